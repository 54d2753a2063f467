package io.pgbk.testkit.patroni;

import io.pgbk.testkit.net.FreePorts;
import io.pgbk.testkit.os.ExitTrigger;
import io.pgbk.testkit.os.LogFile;
import io.pgbk.testkit.os.LoggedProcess;
import io.pgbk.testkit.os.LoopbackDaemon;
import io.pgbk.testkit.os.ServiceUser;
import io.pgbk.testkit.os.StopAtExit;
import io.pgbk.testkit.os.TempDirectory;
import io.pgbk.testkit.postgres.PostgresBinaries;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One node of a real Patroni (Debian's 3.0.2) cluster on etcd or Consul, run as the OS user
 * PostgreSQL accepts: 1 MiB WAL segments, loop_wait 2, and pgbk's slot declared permanent, as
 * docs/patroni.md tells operators to do. The first node bootstraps, the others clone it.
 * PostgreSQL settings for the whole cluster (e.g. synchronous_standby_names naming pgbk) go into
 * the bootstrap DCS configuration, where Patroni keeps them for every node, also a promoted one.
 */
public final class PatroniNode implements AutoCloseable {

    public static final String SLOT = "pgbk";

    private final String name;
    private final TempDirectory home;
    private final LogFile log;
    private final int postgresPort = FreePorts.next();
    private final int restApiPort = FreePorts.next();
    private final StopAtExit.Registration atExit;
    private LoggedProcess process;
    private ExitTrigger exitTrigger;

    private PatroniNode(String name, TempDirectory home) {
        this.name = name;
        this.home = home;
        this.log = new LogFile(home.path().resolve("patroni.log"));
        this.atExit = StopAtExit.register("patroni in " + home.path(), this::stopAndDelete);
    }

    public static PatroniNode start(String name, String scope, PatroniDcs dcs) {
        return start(name, scope, dcs, Map.of());
    }

    /** clusterParameters: PostgreSQL settings in the DCS configuration (postgresql.parameters), used by the bootstrapping node. */
    public static PatroniNode start(String name, String scope, PatroniDcs dcs, Map<String, String> clusterParameters) {
        String binary = LoopbackDaemon.findBinary("patroni").toString();
        ServiceUser user = ServiceUser.forServers();
        PatroniNode node = new PatroniNode(name, user.createDirectory("patroni-" + name));
        try {
            Path config = node.home.path().resolve("patroni.yml");
            Files.writeString(config, node.configuration(scope, dcs, clusterParameters));
            user.takeOwnership(node.home.path());
            node.process = user.start("patroni " + name, List.of(binary, config.toString()), node.home.path(), node.log);
            node.exitTrigger = ExitTrigger.arm("kill -TERM \"$1\"", List.of(Long.toString(node.process.process().pid())));
            return node;
        } catch (IOException e) {
            node.close();
            throw new UncheckedIOException(e);
        } catch (RuntimeException e) {
            node.close();
            throw e;
        }
    }

    public String name() {
        return name;
    }

    public int postgresPort() {
        return postgresPort;
    }

    public int restApiPort() {
        return restApiPort;
    }

    public String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + postgresPort + "/postgres?user=postgres&connectTimeout=2&socketTimeout=10";
    }

    /** For polling: fails with Patroni's output once it has died. */
    public boolean requireAlive() {
        if (!process.isAlive()) {
            throw new IllegalStateException("patroni " + name + " exited; its output:\n" + log.tail(40));
        }
        return true;
    }

    public String logTail() {
        return log.tail(30);
    }

    /** A planned switchover to candidate through Patroni's REST API (what patronictl switchover does). */
    public void switchoverTo(PatroniNode candidate) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + restApiPort + "/switchover"))
                .timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofString(
                        "{\"leader\":\"" + name + "\",\"candidate\":\"" + candidate.name + "\"}"))
                .build();
        HttpResponse<String> response = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IllegalStateException("switchover refused: " + response.statusCode() + " " + response.body());
        }
    }

    /**
     * A hard failure of the node: SIGKILL to Patroni and to every PostgreSQL process. Patroni
     * detaches the postmaster from itself, so the postmaster is found through postmaster.pid.
     */
    public void killHard() throws IOException {
        long postmaster = Long.parseLong(Files.readAllLines(home.path().resolve("data/postmaster.pid")).get(0).strip());
        List<ProcessHandle> victims = new ArrayList<>();
        process.process().toHandle().descendants().forEach(victims::add);
        ProcessHandle.of(postmaster).ifPresent(handle -> {
            victims.add(handle);
            handle.descendants().forEach(victims::add);
        });
        victims.forEach(ProcessHandle::destroyForcibly);
        process.waitForExit(Duration.ofSeconds(10));
        ProcessHandle.of(postmaster).ifPresent(handle -> handle.onExit().join());
    }

    @Override
    public void close() {
        try (atExit) {
            stopAndDelete();
        }
    }

    /** A clean shutdown: SIGTERM reaches Patroni through runuser; it stops PostgreSQL and deletes its leader key. */
    public void stop() {
        if (process != null) {
            process.close();
        }
        if (exitTrigger != null) {
            exitTrigger.close();
        }
    }

    private void stopAndDelete() {
        try (home) {
            stop();
        }
    }

    private String configuration(String scope, PatroniDcs dcs, Map<String, String> clusterParameters) {
        Path dir = home.path();
        StringBuilder dcsPostgresql = new StringBuilder(clusterParameters.isEmpty() ? "" : "    postgresql:\n      parameters:\n");
        clusterParameters.forEach((setting, value) -> dcsPostgresql.append("        ").append(setting).append(": '")
                .append(value.replace("'", "''")).append("'\n"));
        return """
                scope: %s
                name: %s
                restapi:
                  listen: 127.0.0.1:%d
                  connect_address: 127.0.0.1:%d
                %sbootstrap:
                  dcs:
                    ttl: %d
                    loop_wait: 2
                    retry_timeout: 5
                    slots:
                      %s:
                        type: physical
                %s  initdb:
                    - encoding: UTF8
                    - wal-segsize: "1"
                postgresql:
                  listen: 127.0.0.1:%d
                  connect_address: 127.0.0.1:%d
                  data_dir: %s/data
                  bin_dir: %s
                  pgpass: %s/pgpass
                  authentication:
                    superuser:
                      username: postgres
                    replication:
                      username: postgres
                  parameters:
                    unix_socket_directories: %s
                  pg_hba:
                    - local all all trust
                    - host all all 127.0.0.1/32 trust
                    - host replication all 127.0.0.1/32 trust
                """.formatted(scope, name, restApiPort, restApiPort, dcs.patroniSection(), dcs.ttl(), SLOT,
                dcsPostgresql, postgresPort, postgresPort,
                dir, PostgresBinaries.find().binDirectory(), dir, dir);
    }
}
