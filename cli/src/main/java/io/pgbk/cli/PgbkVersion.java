/*
 * The version --version prints: the one Maven wrote into the jar's manifest, so that it cannot
 * drift from the build. Classes run from a build directory have no manifest.
 */
package io.pgbk.cli;

import picocli.CommandLine.IVersionProvider;

public final class PgbkVersion implements IVersionProvider {

    @Override
    public String[] getVersion() {
        String version = PgbkVersion.class.getPackage().getImplementationVersion();
        return new String[] {"pgbk " + (version == null ? "(development build)" : version),
                "Java " + Runtime.version() + " (" + System.getProperty("java.vm.name") + ")"};
    }
}
