package io.pgbk.cli.config;

import io.pgbk.core.codec.Compression;
import io.pgbk.error.PgbkException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConfigurationReaderTest {

    @TempDir
    Path directory;

    private Path file(String name, String yaml) throws IOException {
        return Files.writeString(directory.resolve(name), yaml);
    }

    private Configuration read(Map<String, String> environment, Optional<Path> fileFlag, Map<Setting<?>, String> flags) {
        return new ConfigurationReader(environment, directory.resolve("absent-system.yaml")).read(fileFlag, flags);
    }

    @Test
    void flagWinsOverEnvironmentWhichWinsOverFileWhichWinsOverDefault() throws IOException {
        Path config = file("pgbk.yaml", "repo: /from/file\ncluster: filecluster\ncompress: lz4\njobs: 3\n");

        Configuration configuration = read(Map.of("PGBK_CLUSTER", "envcluster", "PGBK_COMPRESS", "none"),
                Optional.of(config), Map.of(Settings.COMPRESS, "zstd:5"));

        assertThat(configuration.require(Settings.REPO).toString()).isEqualTo("file:///from/file");
        assertThat(configuration.entry(Settings.REPO).orElseThrow().origin()).isEqualTo(Origin.file(config.toString()));
        assertThat(configuration.require(Settings.CLUSTER)).isEqualTo("envcluster");
        assertThat(configuration.entry(Settings.CLUSTER).orElseThrow().origin()).isEqualTo(Origin.environment("PGBK_CLUSTER"));
        assertThat(configuration.require(Settings.COMPRESS)).isEqualTo(Compression.parse("zstd:5"));
        assertThat(configuration.entry(Settings.COMPRESS).orElseThrow().origin()).isEqualTo(Origin.flag("--compress"));
        assertThat(configuration.require(Settings.JOBS)).isEqualTo(3);
        assertThat(configuration.require(Settings.LOG_LEVEL)).isEqualTo("info");
        assertThat(configuration.entry(Settings.LOG_LEVEL).orElseThrow().origin()).isEqualTo(Origin.byDefault());
        assertThat(configuration.get(Settings.PGDATA)).isEmpty();
    }

    @Test
    void configFileComesFromFlagThenEnvironmentThenSystemFile() throws IOException {
        Path system = file("system.yaml", "cluster: system\n");
        Path fromEnvironment = file("env.yaml", "cluster: environment\n");
        Path fromFlag = file("flag.yaml", "cluster: flag\n");
        ConfigurationReader reader = new ConfigurationReader(Map.of("PGBK_CONFIG", fromEnvironment.toString()), system);

        assertThat(reader.read(Optional.of(fromFlag), Map.of()).require(Settings.CLUSTER)).isEqualTo("flag");
        assertThat(reader.read(Optional.empty(), Map.of()).require(Settings.CLUSTER)).isEqualTo("environment");
        assertThat(new ConfigurationReader(Map.of(), system).read(Optional.empty(), Map.of()).require(Settings.CLUSTER))
                .isEqualTo("system");
        assertThat(new ConfigurationReader(Map.of(), directory.resolve("none.yaml")).read(Optional.empty(), Map.of()).file())
                .isEmpty();
    }

    @Test
    void namedConfigFileMustExist() {
        Path missing = directory.resolve("missing.yaml");
        assertThatThrownBy(() -> read(Map.of(), Optional.of(missing), Map.of()))
                .isInstanceOf(PgbkException.class)
                .hasMessage("config file " + missing + " (from --config) does not exist");
        assertThatThrownBy(() -> read(Map.of("PGBK_CONFIG", missing.toString()), Optional.empty(), Map.of()))
                .hasMessage("config file " + missing + " (from PGBK_CONFIG) does not exist");
    }

    @Test
    void unknownKeyInFileNamesTheFileAndTheLikelyKey() throws IOException {
        Path config = file("pgbk.yaml", "compres: zstd\n");
        assertThatThrownBy(() -> read(Map.of(), Optional.of(config), Map.of()))
                .isInstanceOf(PgbkException.class)
                .hasMessage("unknown setting 'compres' in " + config + " (did you mean 'compress'?)");
    }

    @Test
    void unknownKeyFarFromEveryNameGetsNoSuggestion() throws IOException {
        Path config = file("pgbk.yaml", "colour: blue\n");
        assertThatThrownBy(() -> read(Map.of(), Optional.of(config), Map.of()))
                .hasMessage("unknown setting 'colour' in " + config);
    }

    @Test
    void unknownPgbkEnvironmentVariableIsAnError() {
        assertThatThrownBy(() -> read(Map.of("PGBK_COMPRES", "zstd"), Optional.empty(), Map.of()))
                .isInstanceOf(PgbkException.class)
                .hasMessage("unknown environment variable PGBK_COMPRES (did you mean PGBK_COMPRESS?)");
    }

    @Test
    void otherEnvironmentVariablesAndEmptyOnesAreIgnored() {
        Configuration configuration = read(Map.of("HOME", "/root", "PGHOST", "db1", "PGBK_CLUSTER", ""),
                Optional.empty(), Map.of());
        assertThat(configuration.require(Settings.CLUSTER)).isEqualTo("main");
    }

    @Test
    void badValueNamesSettingOriginAndWhatIsExpected() throws IOException {
        assertThatThrownBy(() -> read(Map.of("PGBK_COMPRESS", "fast"), Optional.empty(), Map.of()))
                .isInstanceOf(PgbkException.class)
                .hasMessage("bad value 'fast' for 'compress' from PGBK_COMPRESS: expected zstd, lz4 or none, "
                        + "optionally with a level (zstd:3)");
        Path config = file("pgbk.yaml", "jobs: many\n");
        assertThatThrownBy(() -> read(Map.of(), Optional.of(config), Map.of()))
                .hasMessage("bad value 'many' for 'jobs' in " + config + ": expected a whole number from 1 to 64");
        assertThatThrownBy(() -> read(Map.of(), Optional.empty(), Map.of(Settings.S3_PATH_STYLE, "maybe")))
                .hasMessage("bad value 'maybe' for 's3-path-style' from --s3-path-style: expected true or false");
        assertThatThrownBy(() -> read(Map.of(), Optional.empty(), Map.of(Settings.REPO, "relative/dir")))
                .hasMessage("bad value 'relative/dir' for 'repo' from --repo: expected an absolute path, "
                        + "file:///path or s3://bucket/prefix");
    }

    @Test
    void badValueIsReportedEvenWhenOverridden() throws IOException {
        Path config = file("pgbk.yaml", "compress: fast\n");
        assertThatThrownBy(() -> read(Map.of(), Optional.of(config), Map.of(Settings.COMPRESS, "zstd")))
                .hasMessageStartingWith("bad value 'fast' for 'compress' in " + config);
    }

    @Test
    void badLevelExplainsTheRange() {
        assertThatThrownBy(() -> read(Map.of(), Optional.empty(), Map.of(Settings.COMPRESS, "zstd:99")))
                .hasMessageEndingWith("(invalid zstd level 99: expected 1 to 22)");
    }

    @Test
    void yamlMustBeAFlatMappingOfSingleValues() throws IOException {
        Path list = file("list.yaml", "- repo\n");
        assertThatThrownBy(() -> read(Map.of(), Optional.of(list), Map.of()))
                .hasMessage("config file " + list + " must map setting names to values, such as 'repo: /var/lib/pgbk'");
        Path nested = file("nested.yaml", "repo:\n  path: /x\n");
        assertThatThrownBy(() -> read(Map.of(), Optional.of(nested), Map.of()))
                .hasMessage("'repo' in " + nested + " must be a single value, not a list or a mapping");
    }

    @Test
    void brokenYamlGivesThePositionButNotTheLine() throws IOException {
        Path broken = file("broken.yaml", "s3-secret-key: \"sekrit\n");
        assertThatThrownBy(() -> read(Map.of(), Optional.of(broken), Map.of()))
                .isInstanceOf(PgbkException.class)
                .hasMessageStartingWith("config file " + broken + ": not valid YAML (line ")
                .hasMessageNotContaining("sekrit");
        Path twice = file("twice.yaml", "cluster: a\ncluster: b\n");
        assertThatThrownBy(() -> read(Map.of(), Optional.of(twice), Map.of()))
                .hasMessageStartingWith("config file " + twice + ": a setting appears twice (line 2");
    }

    @Test
    void emptyFileAndNullValuesSetNothing() throws IOException {
        assertThat(read(Map.of(), Optional.of(file("empty.yaml", "")), Map.of()).get(Settings.REPO)).isEmpty();
        assertThat(read(Map.of(), Optional.of(file("null.yaml", "repo:\n")), Map.of()).get(Settings.REPO)).isEmpty();
    }

    @Test
    void yamlBooleansAndNumbersAreAccepted() throws IOException {
        Configuration configuration = read(Map.of(), Optional.of(file("typed.yaml", "s3-path-style: yes\njobs: 2\n")), Map.of());
        assertThat(configuration.require(Settings.S3_PATH_STYLE)).isTrue();
        assertThat(configuration.require(Settings.JOBS)).isEqualTo(2);
    }

    @Test
    void secretIsRefusedAsFlagWithoutRepeatingIt() {
        assertThatThrownBy(() -> read(Map.of(), Optional.empty(), Map.of(Settings.S3_SECRET_KEY, "sekrit")))
                .isInstanceOf(PgbkException.class)
                .hasMessage("'s3-secret-key' cannot be given on the command line, where other users can read it: "
                        + "set PGBK_S3_SECRET_KEY or put it in the config file");
        assertThatThrownBy(() -> read(Map.of(), Optional.empty(), Map.of(Settings.S3_ACCESS_KEY, "AKIA")))
                .hasMessageStartingWith("'s3-access-key' cannot be given on the command line");
    }

    @Test
    void passwordInsideConnectionStringIsRefusedAsFlagButAcceptedFromEnvironmentAndFile() throws IOException {
        assertThatThrownBy(() -> read(Map.of(), Optional.empty(),
                Map.of(Settings.DB, "host=db1 user=backup password=sekrit")))
                .isInstanceOf(PgbkException.class)
                .hasMessageStartingWith("a password in 'db' cannot be given on the command line")
                .hasMessageNotContaining("sekrit");
        assertThatThrownBy(() -> read(Map.of(), Optional.empty(), Map.of(Settings.DB, "postgresql://backup:sekrit@db1/postgres")))
                .hasMessageNotContaining("sekrit");

        assertThat(read(Map.of(), Optional.empty(), Map.of(Settings.DB, "host=db1 user=backup")).require(Settings.DB))
                .isEqualTo("host=db1 user=backup");
        Configuration fromEnvironment = read(Map.of("PGBK_DB", "host=db1 user=backup password=sekrit"), Optional.empty(), Map.of());
        assertThat(fromEnvironment.entry(Settings.DB).orElseThrow().display())
                .isEqualTo("host=db1 port=5432 user=backup dbname=backup password=********");
        Configuration fromFile = read(Map.of(), Optional.of(file("db.yaml", "db: postgresql://backup:sekrit@db1:5433/app\n")), Map.of());
        assertThat(fromFile.toString()).contains("password=********").doesNotContain("sekrit");
    }

    @Test
    void badConnectionStringIsNotRepeated() {
        assertThatThrownBy(() -> read(Map.of("PGBK_DB", "host=db1 passwrd=sekrit"), Optional.empty(), Map.of()))
                .hasMessage("bad value for 'db' from PGBK_DB: expected a libpq connection string or a postgresql:// URI "
                        + "(unsupported connection keyword \"passwrd\")");
    }

    @Test
    void secretsAreMaskedEverywhereTheyAreShown() throws IOException {
        Configuration configuration = read(Map.of("PGBK_S3_SECRET_KEY", "sekrit"), Optional.of(file("keys.yaml",
                "s3-access-key: AKIAEXAMPLE\n")), Map.of());
        assertThat(configuration.require(Settings.S3_SECRET_KEY)).isEqualTo("sekrit");
        assertThat(configuration.entry(Settings.S3_SECRET_KEY).orElseThrow().display()).isEqualTo("********");
        assertThat(configuration.toString()).doesNotContain("sekrit").doesNotContain("AKIAEXAMPLE");
    }

    @Test
    void requireExplainsWhereToSetAMissingValue() {
        Configuration configuration = read(Map.of(), Optional.empty(), Map.of());
        assertThatThrownBy(() -> configuration.require(Settings.REPO))
                .isInstanceOf(PgbkException.class)
                .hasMessage("no value for 'repo': pass --repo, set PGBK_REPO or add 'repo' to the config file ("
                        + directory.resolve("absent-system.yaml") + ")");
    }

    @Test
    void relativePathsAreMadeAbsolute() {
        Configuration configuration = read(Map.of(), Optional.empty(), Map.of(Settings.PGDATA, "data"));
        assertThat(configuration.require(Settings.PGDATA)).isEqualTo(Path.of("data").toAbsolutePath());
    }
}
