package io.pgbk.testkit.postgres;

import java.io.IOException;

/**
 * Runs in a JVM of its own, started by {@link PostgresClusterTest}: starts a cluster, prints its
 * postmaster PID and directory, and never closes it. With the argument {@code exit} the JVM then
 * ends normally; otherwise it waits for input that never comes, until the test kills it.
 */
final class ClusterInAnotherJvm {

    private ClusterInAnotherJvm() {
    }

    public static void main(String[] args) throws IOException {
        PostgresCluster cluster = PostgresCluster.startPrimary("other-jvm", PostgresOptions.defaults());
        System.out.println(cluster.postmasterPid().orElseThrow() + " " + cluster.homeDirectory());
        System.out.flush();
        if (args.length == 0 || !args[0].equals("exit")) {
            System.in.read();
        }
    }
}
