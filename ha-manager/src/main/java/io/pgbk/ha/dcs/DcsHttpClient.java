/*
 * The HTTP side shared by the etcd and Consul clients: both stores speak JSON over plain
 * HTTP/1.1, both may be given several addresses, and both must fail with one line that says
 * which store could not be reached and why, never with a stack of transport exceptions.
 *
 * Addresses are tried in order starting from the last one that answered; only a failure to
 * connect moves on to the next (a request that reached a node and timed out may have been
 * applied there, so it is reported rather than silently sent elsewhere). A pooled connection
 * that the server closed in the meantime fails at once without the request having been read:
 * such a request is sent once more on a fresh connection.
 */
package io.pgbk.ha.dcs;

import io.pgbk.error.PgbkException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

public final class DcsHttpClient implements AutoCloseable {

    /** A complete answer; the status is the caller's to judge, since each store has its own conventions. */
    public record Reply(int status, String body, HttpHeaders headers) {
    }

    private static final int HTTP_THREADS = 2;

    private final String storeName;
    private final List<URI> endpoints;
    private final DcsSettings settings;
    private final ExecutorService executor;
    private final HttpClient http;
    private final AtomicInteger preferred = new AtomicInteger();

    public DcsHttpClient(String storeName, List<URI> endpoints, DcsSettings settings) {
        if (endpoints.isEmpty()) {
            throw new IllegalArgumentException("no " + storeName + " endpoint given");
        }
        this.storeName = storeName;
        this.endpoints = List.copyOf(endpoints);
        this.settings = settings;
        AtomicInteger threads = new AtomicInteger();
        this.executor = Executors.newFixedThreadPool(HTTP_THREADS, task -> {
            Thread thread = new Thread(task, "pgbk-" + storeName + "-http-" + threads.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(settings.connectTimeout())
                .executor(executor)
                .build();
    }

    public DcsSettings settings() {
        return settings;
    }

    /** The address that answered last, where a long-running request such as a watch goes. */
    public URI endpoint() {
        return endpoints.get(preferred.get());
    }

    public Reply send(String method, String pathAndQuery, String jsonBody) {
        return send(method, pathAndQuery, jsonBody, settings.requestTimeout());
    }

    /** Sends one request, {@code jsonBody} may be null; waits at most {@code timeout} for the answer. */
    public Reply send(String method, String pathAndQuery, String jsonBody, Duration timeout) {
        int first = preferred.get();
        ConnectException refused = null;
        for (int i = 0; i < endpoints.size(); i++) {
            int index = (first + i) % endpoints.size();
            URI endpoint = endpoints.get(index);
            try {
                Reply reply = sendOnce(endpoint, method, pathAndQuery, jsonBody, timeout);
                preferred.set(index);
                return reply;
            } catch (ConnectException e) {
                refused = e;
            }
        }
        throw unreachable(refused);
    }

    /**
     * Starts a request on the preferred address whose body the handler consumes as it arrives
     * (a watch). The request timeout bounds the wait for the response headers only.
     */
    public <T> CompletableFuture<HttpResponse<T>> sendAsync(String method, String pathAndQuery, String jsonBody,
                                                           HttpResponse.BodyHandler<T> handler) {
        return http.sendAsync(request(endpoint(), method, pathAndQuery, jsonBody, settings.requestTimeout()), handler);
    }

    /** A one-line failure of this store at the preferred address. */
    public PgbkException failure(String detail) {
        return new PgbkException(storeName + " at " + endpoint() + ": " + oneLine(detail));
    }

    /** Translates a transport failure of a request to the preferred address into the user's terms. */
    public PgbkException failure(Throwable cause) {
        if (cause instanceof ConnectException connect) {
            return unreachable(connect);
        }
        if (cause instanceof HttpTimeoutException) {
            return new PgbkException("no answer from " + storeName + " at " + endpoint() + " within "
                    + seconds(settings.requestTimeout()), cause);
        }
        return failure(describe(cause));
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }

    private Reply sendOnce(URI endpoint, String method, String pathAndQuery, String jsonBody, Duration timeout)
            throws ConnectException {
        HttpRequest request = request(endpoint, method, pathAndQuery, jsonBody, timeout);
        try {
            return exchange(request);
        } catch (ConnectException e) {
            throw e;
        } catch (HttpTimeoutException e) {
            throw new PgbkException("no answer from " + storeName + " at " + endpoint + " within " + seconds(timeout), e);
        } catch (IOException staleConnection) {
            try {
                return exchange(request);
            } catch (ConnectException e) {
                throw e;
            } catch (IOException e) {
                throw new PgbkException(storeName + " at " + endpoint + ": " + describe(e), e);
            }
        }
    }

    private Reply exchange(HttpRequest request) throws IOException {
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            return new Reply(response.statusCode(), response.body(), response.headers());
        } catch (HttpConnectTimeoutException e) {
            ConnectException connect = new ConnectException("no connection within " + seconds(settings.connectTimeout()));
            connect.initCause(e);
            throw connect;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PgbkException("interrupted while waiting for " + storeName + " at " + request.uri().resolve("/"), e);
        }
    }

    private HttpRequest request(URI endpoint, String method, String pathAndQuery, String jsonBody, Duration timeout) {
        HttpRequest.BodyPublisher body = jsonBody == null
                ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(jsonBody, StandardCharsets.UTF_8);
        return HttpRequest.newBuilder(endpoint.resolve(pathAndQuery))
                .timeout(timeout)
                .header("Content-Type", "application/json")
                .method(method, body)
                .build();
    }

    private PgbkException unreachable(ConnectException cause) {
        String addresses = endpoints.stream().map(URI::toString).collect(Collectors.joining(", "));
        return new PgbkException("cannot reach " + storeName + " at " + addresses + ": " + describe(cause), cause);
    }

    private static String describe(Throwable cause) {
        if (cause instanceof ConnectException && (cause.getMessage() == null
                || cause.getMessage().equalsIgnoreCase("Connection refused"))) {
            return "connection refused";
        }
        String message = cause.getMessage();
        return message == null || message.isBlank() ? cause.getClass().getSimpleName() : oneLine(message);
    }

    private static String oneLine(String text) {
        return text.strip().replaceAll("\\s*\\R\\s*", " ");
    }

    private static String seconds(Duration duration) {
        return duration.toMillis() % 1000 == 0 ? duration.toSeconds() + " s" : duration.toMillis() + " ms";
    }
}
