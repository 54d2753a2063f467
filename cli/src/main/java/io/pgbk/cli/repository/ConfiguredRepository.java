/*
 * The repository a command works on, as the configuration describes it: the object store named
 * by 'repo' (with the s3-* settings when it is S3) and the cluster's area inside it. Every
 * command that reads or writes the repository opens it here, so they all agree on how settings
 * map to a store. Closing it closes the store's connections.
 */
package io.pgbk.cli.repository;

import io.pgbk.cli.config.Configuration;
import io.pgbk.cli.config.Setting;
import io.pgbk.cli.config.Settings;
import io.pgbk.core.repo.Repository;
import io.pgbk.storage.ObjectStore;
import io.pgbk.storage.s3.S3Settings;

import java.util.List;

public final class ConfiguredRepository implements AutoCloseable {

    /** The settings that open a repository: a command using one lists these among its own. */
    public static final List<Setting<?>> SETTINGS = List.of(Settings.REPO, Settings.CLUSTER,
            Settings.S3_ENDPOINT, Settings.S3_REGION, Settings.S3_PATH_STYLE, Settings.S3_ACCESS_KEY,
            Settings.S3_SECRET_KEY, Settings.S3_SSE, Settings.S3_KMS_KEY_ID);

    private final ObjectStore store;
    private final Repository repository;

    private ConfiguredRepository(ObjectStore store, Repository repository) {
        this.store = store;
        this.repository = repository;
    }

    public static ConfiguredRepository open(Configuration configuration) {
        S3Settings s3 = S3Settings.defaults()
                .withEndpoint(configuration.get(Settings.S3_ENDPOINT).orElse(null), configuration.require(Settings.S3_PATH_STYLE))
                .withRegion(configuration.require(Settings.S3_REGION))
                .withCredentials(configuration.get(Settings.S3_ACCESS_KEY).orElse(null),
                        configuration.get(Settings.S3_SECRET_KEY).orElse(null))
                .withEncryption(configuration.require(Settings.S3_SSE), configuration.get(Settings.S3_KMS_KEY_ID).orElse(null));
        ObjectStore store = configuration.require(Settings.REPO).open(s3);
        try {
            return new ConfiguredRepository(store, Repository.open(store, configuration.require(Settings.CLUSTER)));
        } catch (RuntimeException e) {
            store.close();
            throw e;
        }
    }

    public Repository repository() {
        return repository;
    }

    @Override
    public void close() {
        store.close();
    }
}
