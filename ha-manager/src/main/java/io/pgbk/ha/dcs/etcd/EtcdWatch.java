/*
 * One etcd watch on one key, from a given revision on. The JSON gateway streams a watch as
 * newline-separated JSON messages on a response that never ends: first {"result":{"created":
 * true}}, then one message per batch of events. Starting from the revision after a read means
 * that a change made between that read and this watch is reported at once instead of lost.
 *
 * The body is consumed by a subscriber rather than a blocked reader thread, so waiting is a
 * future with a timeout, and closing the watch cancels the subscription, which drops the
 * connection and with it the watch on the server.
 */
package io.pgbk.ha.dcs.etcd;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pgbk.error.PgbkException;
import io.pgbk.ha.dcs.DcsHttpClient;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

final class EtcdWatch implements Flow.Subscriber<String>, AutoCloseable {

    private final DcsHttpClient http;
    private final ObjectMapper mapper;
    private final CompletableFuture<Void> event = new CompletableFuture<>();
    private final CompletableFuture<Flow.Subscription> subscription = new CompletableFuture<>();
    private CompletableFuture<HttpResponse<Void>> response;

    private EtcdWatch(DcsHttpClient http, ObjectMapper mapper) {
        this.http = http;
        this.mapper = mapper;
    }

    static EtcdWatch start(DcsHttpClient http, ObjectMapper mapper, String key, long startRevision) {
        EtcdWatch watch = new EtcdWatch(http, mapper);
        ObjectNode request = mapper.createObjectNode();
        request.putObject("create_request")
                .put("key", EtcdDcs.base64(key))
                .put("start_revision", Long.toString(startRevision));
        watch.response = http.sendAsync("POST", "/v3/watch", request.toString(),
                info -> info.statusCode() == 200
                        ? HttpResponse.BodySubscribers.fromLineSubscriber(watch)
                        : HttpResponse.BodySubscribers.discarding());
        watch.response.whenComplete((answer, failure) -> {
            if (failure != null) {
                watch.event.completeExceptionally(failure instanceof CompletionException wrapped ? wrapped.getCause() : failure);
            } else if (answer.statusCode() != 200) {
                watch.event.completeExceptionally(http.failure("the watch was refused with HTTP status " + answer.statusCode()));
            }
        });
        return watch;
    }

    /** True once the key changed, false if {@code timeout} passed without a change. */
    boolean awaitEvent(Duration timeout) {
        try {
            event.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException e) {
            throw e.getCause() instanceof PgbkException pgbk ? pgbk : http.failure(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PgbkException("interrupted while watching etcd at " + http.endpoint(), e);
        }
    }

    @Override
    public void onSubscribe(Flow.Subscription granted) {
        subscription.complete(granted);
        granted.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(String line) {
        if (line.isBlank()) {
            return;
        }
        JsonNode message;
        try {
            message = mapper.readTree(line);
        } catch (JsonProcessingException e) {
            event.completeExceptionally(http.failure("sent a watch message that is not JSON: " + line));
            return;
        }
        JsonNode result = message.path("result");
        if (message.has("error")) {
            event.completeExceptionally(http.failure(message.path("error").path("message").asText(line)));
        } else if (result.path("events").size() > 0
                || result.path("canceled").asBoolean(false)
                || EtcdDcs.number(result, "compact_revision") > 0) {
            // A cancelled or compacted watch may have missed events: the caller must read again.
            event.complete(null);
        }
    }

    @Override
    public void onError(Throwable failure) {
        event.completeExceptionally(failure);
    }

    @Override
    public void onComplete() {
        event.completeExceptionally(new IOException("the watch ended"));
    }

    @Override
    public void close() {
        subscription.thenAccept(Flow.Subscription::cancel);
        response.cancel(true);
    }
}
