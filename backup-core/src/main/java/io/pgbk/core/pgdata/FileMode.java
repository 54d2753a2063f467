/*
 * The permission bits of a file or directory in a data directory. PostgreSQL refuses to start
 * on a data directory with group or other access it did not ask for (0700 / 0750 with
 * group-access initdb), so restore must give back exactly the bits the backup found.
 * Text form: four octal digits, as in "0600".
 */
package io.pgbk.core.pgdata;

import io.pgbk.error.PgbkException;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Set;

public record FileMode(int bits) {
    /** PosixFilePermission's declaration order is owner rwx, group rwx, others rwx: bit 8 down to 0. */
    private static final PosixFilePermission[] BY_BIT = PosixFilePermission.values();

    public FileMode {
        if ((bits & ~0777) != 0) {
            throw new IllegalArgumentException("not a permission mode: " + Integer.toOctalString(bits));
        }
    }

    public static FileMode of(Set<PosixFilePermission> permissions) {
        int bits = 0;
        for (PosixFilePermission permission : permissions) {
            bits |= 1 << (BY_BIT.length - 1 - permission.ordinal());
        }
        return new FileMode(bits);
    }

    public Set<PosixFilePermission> permissions() {
        Set<PosixFilePermission> permissions = EnumSet.noneOf(PosixFilePermission.class);
        for (PosixFilePermission permission : BY_BIT) {
            if ((bits & 1 << (BY_BIT.length - 1 - permission.ordinal())) != 0) {
                permissions.add(permission);
            }
        }
        return permissions;
    }

    public static FileMode parse(String octal) {
        try {
            return new FileMode(Integer.parseInt(octal, 8));
        } catch (IllegalArgumentException e) {
            throw new PgbkException("invalid file mode \"" + octal + "\": expected octal digits such as 0600", e);
        }
    }

    @Override
    public String toString() {
        // not String.format: a backup's manifest writes one per file
        String octal = Integer.toOctalString(bits);
        return "0".repeat(Math.max(0, 4 - octal.length())) + octal;
    }
}
