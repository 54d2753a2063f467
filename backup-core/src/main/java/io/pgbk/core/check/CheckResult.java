/*
 * One line of `pgbk check`: what was checked and how it went. A warning is a setup that works
 * but is probably not what the operator meant (archive_command not pgbk); it does not fail check.
 */
package io.pgbk.core.check;

public record CheckResult(String name, Status status, String detail) {

    public enum Status {
        OK, WARNING, FAILED
    }

    public static CheckResult ok(String name, String detail) {
        return new CheckResult(name, Status.OK, detail);
    }

    public static CheckResult warning(String name, String detail) {
        return new CheckResult(name, Status.WARNING, detail);
    }

    public static CheckResult failed(String name, String detail) {
        return new CheckResult(name, Status.FAILED, detail);
    }

    public boolean passed() {
        return status != Status.FAILED;
    }
}
