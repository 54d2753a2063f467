/*
 * Loads and initialises, on a thread of its own, the libraries a command is about to use, while
 * the main thread parses the command line and sets up logging: Jackson (JSON, and YAML for the
 * config file) for every command, and pgjdbc, tar and zstd for those that copy from a server.
 * Each costs 20 to 40 ms of loading and static initialisation at its first use, even with the
 * launcher's class-data archive, and a JVM started for one command pays that on its critical
 * path while the machine's second core waits for work.
 *
 * The main thread awaits the preload before it touches any of these libraries, so that no class
 * is ever initialised by two threads at once (two such initialisations that need each other's
 * classes would deadlock). Nothing here logs: slf4j hands a second thread a stand-in logger
 * while the main thread configures logback. A failure is left to the real use to report.
 */
package io.pgbk.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.util.List;
import java.util.Set;
import java.util.concurrent.FutureTask;

final class LibraryPreload {

    /** For commands run in a JVM that is not fresh (tests), or that need nothing early. */
    static final LibraryPreload NONE = new LibraryPreload(new FutureTask<>(() -> null));

    /** The classes whose initialisation pulls in each library's core. */
    private static final List<String> FOR_COPYING = List.of(
            "org.postgresql.Driver",
            "org.postgresql.jdbc.PgConnection",
            "org.apache.commons.compress.archivers.tar.TarArchiveOutputStream",
            "com.github.luben.zstd.ZstdOutputStreamNoFinalizer");
    private static final Set<String> COPYING_COMMANDS = Set.of("backup", "check", "receive-wal");

    private final FutureTask<Void> task;

    private LibraryPreload(FutureTask<Void> task) {
        this.task = task;
        task.run();
    }

    private LibraryPreload(String command) {
        this.task = new FutureTask<>(() -> {
            // every command reads its config file: Jackson and its YAML parser, with a document
            // read, for the parts of its machinery that are built at first use
            new ObjectMapper(new YAMLFactory()).readTree("preload: true");
            if (COPYING_COMMANDS.contains(command)) {
                load(FOR_COPYING, LibraryPreload.class.getClassLoader());
            }
            return null;
        });
        Thread thread = new Thread(task, "pgbk-preload");
        thread.setDaemon(true);
        thread.start();
    }

    /** Starts preloading what command (the subcommand's name, or null) needs. */
    static LibraryPreload start(String command) {
        return new LibraryPreload(command);
    }

    /** Returns once the preload has ended, however it ended. */
    void await() {
        try {
            task.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException e) {
            // the real use reports it
        }
    }

    private static void load(List<String> classes, ClassLoader loader) throws ClassNotFoundException {
        for (String name : classes) {
            Class.forName(name, true, loader);
        }
    }
}
