package io.pgbk.testkit.os;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LogFileTest {

    @TempDir
    Path directory;

    @Test
    void tailIsTheLastLines() throws IOException {
        LogFile log = new LogFile(directory.resolve("server.log"));
        Files.writeString(log.path(), "one\ntwo\nthree\nfour\n");
        assertThat(log.tail(2)).isEqualTo("three\nfour");
        assertThat(log.tail(10)).isEqualTo("one\ntwo\nthree\nfour");
    }

    @Test
    void sinceIsWhatWasWrittenAfterTheMark() throws IOException {
        LogFile log = new LogFile(directory.resolve("server.log"));
        assertThat(log.size()).isZero();
        Files.writeString(log.path(), "before\n");
        long mark = log.size();
        Files.writeString(log.path(), "before\nafter\n");
        assertThat(log.since(mark)).isEqualTo("after\n");
    }

    @Test
    void aMissingLogSaysSo() {
        LogFile log = new LogFile(directory.resolve("missing.log"));
        assertThat(log.tail(5)).contains("is empty");
    }
}
