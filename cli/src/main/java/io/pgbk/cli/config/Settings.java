/*
 * The table of every setting pgbk knows. It alone drives the config file keys, the PGBK_*
 * environment variables, the command-line flags, validation, `pgbk config` and the help texts,
 * so a setting added here is available everywhere at once and documented in one place.
 *
 * Commands pick the settings they read (they become that command's flags); the config file and
 * the environment are checked against the whole table, since one file serves every command.
 */
package io.pgbk.cli.config;

import io.pgbk.core.codec.Compression;
import io.pgbk.core.retention.RetentionWindow;
import io.pgbk.ha.dcs.DcsLocation;
import io.pgbk.receiver.conninfo.ConnInfo;
import io.pgbk.receiver.spool.SpoolLimit;
import io.pgbk.storage.StoreLocation;
import io.pgbk.storage.s3.S3Encryption;
import io.pgbk.storage.s3.S3Settings;

import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

public final class Settings {

    public static final Setting<StoreLocation> REPO = Setting.of("repo",
            ValueType.of("REPO", "an absolute path, file:///path or s3://bucket/prefix", StoreLocation::parse,
                    StoreLocation::toString),
            "Where backups and WAL are kept: an absolute path, file:///path or s3://bucket/prefix.");

    public static final Setting<String> CLUSTER = Setting.withDefault("cluster",
            ValueType.text("NAME", "letters, digits, '.', '_' or '-', starting with a letter or digit",
                    Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}")),
            "main", "Name of the PostgreSQL cluster inside the repository; one repository can hold several.");

    public static final Setting<Path> PGDATA = Setting.of("pgdata", ValueType.path(),
            "PostgreSQL data directory.");

    public static final Setting<String> DB = Setting.of("db", connectionString(),
            "How to connect to PostgreSQL: a libpq string (host=... port=... user=... dbname=...) or a "
                    + "postgresql:// URI. A password in it is accepted only from the environment or the config file.");

    public static final Setting<String> PRIMARY = Setting.of("primary", connectionString(),
            "How to reach the primary from a standby backup: pgbk runs only SELECT pg_switch_wal() there, so that "
                    + "the backup's last WAL segment is archived (and, when that segment is still empty, one WAL message "
                    + "before it). Same forms as db.");

    public static final Setting<Integer> ARCHIVE_TIMEOUT = Setting.withDefault("archive-timeout",
            ValueType.integer(1, 86_400), 60,
            "Seconds a backup waits for its WAL (up to the stop LSN) to arrive in the repository.");

    public static final Setting<Integer> MAX_INCREMENTAL_CHAIN = Setting.withDefault("max-incremental-chain",
            ValueType.integer(0, 1000), 6,
            "Incremental backups allowed after a full one; --type incr takes a full backup once the chain is this long.");

    public static final Setting<Path> LOCK_PATH = Setting.withDefault("lock-path", ValueType.path(), Path.of("/tmp/pgbk"),
            "Local directory for the lock file that keeps two backups of one cluster from running on this host.");

    public static final Setting<Integer> RETENTION_FULL = Setting.of("retention-full", ValueType.integer(1, 10_000),
            "expire: full backups to keep (with the incremental backups taken after the oldest of them).");

    public static final Setting<RetentionWindow> RETENTION_WINDOW = Setting.of("retention-window",
            ValueType.of("DURATION", "a number and a unit: d, h or m (7d)", RetentionWindow::parse,
                    RetentionWindow::toString),
            "expire: keep every backup a restore to any point in this past period needs, e.g. 7d or 12h.");

    public static final Setting<Integer> MINIMUM_REDUNDANCY = Setting.withDefault("minimum-redundancy",
            ValueType.integer(0, 10_000), 1, "expire: never keep fewer full backups than this.");

    public static final Setting<Compression> COMPRESS = Setting.withDefault("compress", compression(), Compression.DEFAULT,
            "Compression of WAL and backup files: zstd, lz4 or none, optionally with a level (zstd:3).");

    public static final Setting<Integer> JOBS = Setting.withDefault("jobs", ValueType.integer(1, 64),
            Math.min(4, Runtime.getRuntime().availableProcessors()),
            "Parallel workers for backup and restore; default: the number of CPUs, at most 4.");

    public static final Setting<URI> S3_ENDPOINT = Setting.of("s3-endpoint", ValueType.httpUrl(),
            "S3 endpoint for S3-compatible servers (MinIO, Ceph, S3Proxy); default: AWS.");

    public static final Setting<String> S3_REGION = Setting.withDefault("s3-region",
            ValueType.text("REGION", "a region name such as eu-west-1", Pattern.compile("[a-z0-9-]+")),
            S3Settings.DEFAULT_REGION, "S3 region.");

    public static final Setting<Boolean> S3_PATH_STYLE = Setting.withDefault("s3-path-style", ValueType.bool(), false,
            "Address buckets in the URL path (http://host/bucket/key) instead of the host name; "
                    + "most S3-compatible servers need it.");

    public static final Setting<String> S3_ACCESS_KEY = Setting.secret("s3-access-key", anyText("KEY"),
            "S3 access key id; default: the AWS default credential chain (environment, ~/.aws, instance role).");

    public static final Setting<String> S3_SECRET_KEY = Setting.secret("s3-secret-key", anyText("KEY"),
            "S3 secret access key, with s3-access-key.");

    public static final Setting<S3Encryption> S3_SSE = Setting.withDefault("s3-sse",
            ValueType.of("SSE", "none, AES256 or aws:kms", S3Encryption::parse, S3Encryption::toString),
            S3Encryption.NONE, "Server-side encryption of the objects pgbk writes to S3.");

    public static final Setting<String> S3_KMS_KEY_ID = Setting.of("s3-kms-key-id", anyText("KEY-ID"),
            "KMS key for s3-sse aws:kms; default: the bucket's AWS-managed key.");

    public static final Setting<Path> PG_BIN = Setting.of("pg-bin", ValueType.path(),
            "Directory of PostgreSQL's programs (pg_ctl, postgres); default: what pg_config --bindir prints.");

    public static final Setting<String> PGBK_COMMAND = Setting.withDefault("pgbk-command",
            ValueType.text("COMMAND", "a program name or an absolute path", Pattern.compile("[^\\s'\"]+")), "pgbk",
            "How PostgreSQL runs pgbk in the restore_command that restore writes: the launcher's absolute path "
                    + "when it is not on PostgreSQL's PATH.");

    public static final Setting<String> PRIMARY_FROM = Setting.of("primary-from",
            ValueType.of("DCS", "etcd://HOST:PORT[,HOST:PORT]/NAMESPACE/SCOPE or consul://HOST:PORT/NAMESPACE/SCOPE",
                    text -> DcsLocation.parse(text).toString(), text -> text),
            "receive-wal: follow the primary named by the leader key of a Patroni cluster in etcd or Consul "
                    + "(etcd://HOST:PORT/NAMESPACE/SCOPE, consul://...; NAMESPACE defaults to service) instead of a fixed db.");

    public static final Setting<String> SLOT = Setting.withDefault("slot",
            ValueType.text("NAME", "1 to 63 lower-case letters, digits and underscores", Pattern.compile("[a-z0-9_]{1,63}")),
            "pgbk", "receive-wal: the physical replication slot to stream through; declare it as a permanent slot in Patroni.");

    public static final Setting<String> APPLICATION_NAME = Setting.withDefault("application-name",
            ValueType.text("NAME", "a name without spaces", Pattern.compile("[A-Za-z0-9_.-]{1,63}")), "pgbk",
            "receive-wal: the application_name the primary sees; list it in synchronous_standby_names for --synchronous.");

    public static final Setting<Path> SPOOL_PATH = Setting.withDefault("spool-path", ValueType.path(),
            Path.of("/var/lib/pgbk/spool"),
            "Local directory for WAL on its way: receive-wal's streamed segments (<spool-path>/<cluster>), and the "
                    + "segments wal-fetch prefetches and the outcomes of archive-async (<spool-path>/archive/<cluster>).");

    public static final Setting<Boolean> ARCHIVE_ASYNC = Setting.withDefault("archive-async", ValueType.bool(), false,
            "wal-push: a background process archives the segments PostgreSQL has marked ready ahead of it, jobs at a "
                    + "time, and archive_command answers from spool-path.");

    public static final Setting<Integer> PREFETCH = Setting.withDefault("prefetch", ValueType.integer(0, 1024), 8,
            "wal-fetch: WAL segments a background process fetches ahead of recovery into spool-path, jobs at a time; "
                    + "0 turns prefetching off.");

    public static final Setting<Integer> STATUS_INTERVAL = Setting.withDefault("status-interval",
            ValueType.integer(1, 3600), 10,
            "receive-wal: seconds between status updates to the primary (and fsyncs of the spool).");

    public static final Setting<SpoolLimit> SPOOL_MAX = Setting.withDefault("spool-max",
            ValueType.of("SIZE", "a size such as 512MB or 1GB", SpoolLimit::parse, SpoolLimit::toString),
            SpoolLimit.DEFAULT,
            "receive-wal: WAL the spool may hold that the repository has not taken yet; past it the receiver stops "
                    + "receiving and logs an alarm until the repository catches up (the slot keeps the WAL on the primary).");

    public static final Setting<String> LOG_LEVEL = Setting.withDefault("log-level",
            ValueType.choice("error", "warn", "info", "debug", "trace"), "info",
            "Detail of pgbk's messages on stderr; --verbose means debug, --quiet error.");

    public static final List<Setting<?>> ALL = List.of(REPO, CLUSTER, PGDATA, DB, PRIMARY, COMPRESS, JOBS,
            ARCHIVE_TIMEOUT, MAX_INCREMENTAL_CHAIN, LOCK_PATH, RETENTION_FULL, RETENTION_WINDOW, MINIMUM_REDUNDANCY,
            S3_ENDPOINT, S3_REGION, S3_PATH_STYLE, S3_ACCESS_KEY, S3_SECRET_KEY, S3_SSE, S3_KMS_KEY_ID,
            PG_BIN, PGBK_COMMAND, PRIMARY_FROM, SLOT, APPLICATION_NAME, SPOOL_PATH, ARCHIVE_ASYNC, PREFETCH, STATUS_INTERVAL, SPOOL_MAX,
            LOG_LEVEL);

    private Settings() {
    }

    public static Optional<Setting<?>> named(String name) {
        return ALL.stream().filter(setting -> setting.name().equals(name)).findFirst();
    }

    private static ValueType<String> anyText(String label) {
        return ValueType.text(label, "a non-empty value", Pattern.compile("\\S.*"));
    }

    private static ValueType<Compression> compression() {
        return ValueType.of("CODEC", "zstd, lz4 or none, optionally with a level (zstd:3)", Compression::parse,
                Compression::toString);
    }

    /*
     * Kept as text: the libpq environment (PGHOST, PGUSER...) fills its gaps when a command
     * connects, not here. Parsed once to reject a malformed string before any work starts.
     */
    private static ValueType<String> connectionString() {
        return ValueType.withSecrets("CONNINFO", "a libpq connection string or a postgresql:// URI",
                text -> {
                    ConnInfo.parse(text, Map.of());
                    return text;
                },
                text -> {
                    ConnInfo info = ConnInfo.parse(text, Map.of());
                    return info.describe() + info.password().map(password -> " password=" + Setting.MASK).orElse("");
                },
                text -> ConnInfo.parse(text, Map.of()).password().isPresent());
    }
}
