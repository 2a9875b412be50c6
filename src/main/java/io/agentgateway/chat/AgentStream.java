package io.agentgateway.chat;

import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.agentgateway.common.GatewayHeaders;
import io.netty.buffer.ByteBuf;
import io.vertx.core.AsyncResult;
import io.vertx.core.Context;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.buffer.impl.BufferImpl;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.RequestOptions;
import org.apache.camel.AsyncCallback;
import org.apache.camel.Exchange;

/**
 * One agent call of {@link AgentStreamProducer}, from the request to the exchange's completion. Everything but
 * {@link #abort()} runs on the call's event loop ({@code context}), so its state needs no lock, and nothing here
 * blocks: body chunks are cut into lines ({@link AgentStreamLines}), each line decoded ({@link AgentStreamDecoder}) and
 * its token emitted to the turn as the chunk arrives.
 * <ul>
 * <li><b>Back-pressure.</b> After a chunk, when the session's client is too far behind ({@link Turn#hasRoom()}), the
 * response is paused (Vert.x then stops reading the socket, and TCP pushes back on the agent) until
 * {@link Turn#whenRoom} says there is room. Time spent paused is not silence.</li>
 * <li><b>Fairness.</b> The event loop is shared with other sockets and agents. After every
 * {@value #YIELD_AFTER_BYTES} bytes relayed, the stream pauses and resumes from a task of its event loop, so a fast
 * agent's burst waits behind the loop's other work instead of holding it up (a slow client's first frame, another
 * agent's answer).</li>
 * <li><b>Silence.</b> One timer per idle period, not per chunk: when it fires it checks the time of the last byte and
 * sleeps again for the rest, or fails the call with {@link AgentSilenceException}.</li>
 * <li><b>Ends.</b> The stream ends exactly once: the body's end or the agent's {@code done} (normally), a
 * failure, silence, or the turn's end ({@link #abort()}, and a token the turn no longer takes). With a
 * {@link AgentStreamEnd} ({@code streamEnd}), the exchange completes when the agent's answer begins (a 2xx status) and
 * the end goes there; before that, and without one, the end completes the exchange and the route goes on (the turn's
 * completion, or its error final). Either way, a failure before the answer begins (refused, timed out, a non-2xx
 * status) is the exchange's, for the calling route's error handling.</li>
 * <li><b>Aborting.</b> Cutting the call off resets the request: on HTTP/1.1 a response under way closes the
 * connection, so the agent sees it at once. After the agent's {@code done} the rest of the body is left to end by
 * itself, for the connection to be reused, but for one idle period at most.</li>
 * </ul>
 */
final class AgentStream implements AgentCall {

    static final int YIELD_AFTER_BYTES = 16 * 1024;

    private final HttpClient client;
    private final AgentStreamEndpoint.Options options;
    private final AgentStreamDecoder decoder;
    private final Turn turn;
    private final AgentStreamEnd streamEnd;
    private final AgentStreamLines lines;
    private final long idleNanos;

    // all below: on context only
    private Context context;
    /** the call's exchange and its callback until the exchange completes: at the answer's start or at the end */
    private Exchange exchange;
    private AsyncCallback callback;
    /** the exchange's properties, for the end's exchange, once it completed early */
    private Map<String, Object> properties;
    private Buffer body;
    private HttpClientRequest request;
    private HttpClientResponse response;
    /** the exchange is done: nothing more goes to the turn */
    private boolean ended;
    /** ended by the agent's done while its body goes on: left to end by itself, for one idle period at most */
    private boolean draining;
    /** the response is paused until the client catches up */
    private boolean waitingForRoom;
    /** the response is paused until the event loop has run what waited behind this stream */
    private boolean yielding;
    private int bytesSinceYield;
    private long lastByteNanos;
    private long timerId = -1;

    AgentStream(HttpClient client, AgentStreamEndpoint.Options options, AgentStreamDecoder decoder, Turn turn,
                AgentStreamEnd streamEnd, Exchange exchange, AsyncCallback callback) {
        this.client = client;
        this.options = options;
        this.decoder = decoder;
        this.turn = turn;
        this.streamEnd = streamEnd;
        this.exchange = exchange;
        this.callback = callback;
        this.lines = new AgentStreamLines(options.maxLineBytes());
        this.idleNanos = TimeUnit.MILLISECONDS.toNanos(options.idleTimeoutMs());
    }

    /** On {@code context}, an event loop. */
    void start(Context context, RequestOptions requestOptions, Buffer body) {
        this.context = context;
        this.body = body;
        turn.attach(this);
        if (turn.isFinished()) {
            end(null, false); // cancelled meanwhile; the abort attach made finds the call ended
            return;
        }
        client.request(requestOptions).onComplete(this::requestReady);
    }

    private void requestReady(AsyncResult<HttpClientRequest> ready) {
        if (ready.failed()) {
            end(ready.cause(), false); // refused, unknown host, connect timeout
            return;
        }
        HttpClientRequest req = ready.result();
        if (ended) {
            req.reset(); // cut off while connecting
            return;
        }
        request = req;
        request.exceptionHandler(this::failed);
        lastByteNanos = System.nanoTime();
        armTimer(options.idleTimeoutMs());
        Buffer toSend = body;
        body = null;
        request.send(toSend).onComplete(sent -> {
            if (sent.failed()) {
                failed(sent.cause());
            } else {
                responded(sent.result());
            }
        });
    }

    private void responded(HttpClientResponse resp) {
        if (ended) {
            return; // reset already
        }
        response = resp;
        lastByteNanos = System.nanoTime();
        // first: the reset below reports to it (and finds the call ended), rather than as an unhandled error
        resp.exceptionHandler(this::failed);
        int status = resp.statusCode();
        if (status < 200 || status > 299) {
            end(new AgentStatusException(status, resp.statusMessage()), true);
            return;
        }
        resp.handler(this::chunk);
        resp.endHandler(v -> bodyEnded());
        if (streamEnd != null) {
            completeExchangeEarly();
        }
    }

    /**
     * The answer has begun: the exchange completes now, marked {@link GatewayHeaders#AGENT_STREAM_GOES_ON} so that
     * the route after the call leaves the turn be, and nothing of the route's state lives as long as the answer; the
     * end goes to {@link #streamEnd}. That completion touches nothing of this stream, whose state stays on its event
     * loop.
     */
    private void completeExchangeEarly() {
        properties = AgentStreamEnd.carried(exchange.getProperties());
        exchange.setProperty(GatewayHeaders.AGENT_STREAM_GOES_ON, Boolean.TRUE);
        AsyncCallback done = callback;
        exchange = null;
        callback = null;
        // Completing the turn's routes (their tasks, timer samples, unit of work) is done on a worker, not on the
        // event loop that relays every socket's tokens and is busiest while answers begin. Ordered: one worker at a
        // time per event loop, so a burst of answers beginning starts no threads.
        context.executeBlocking(() -> {
            done.done(false);
            return null;
        }, true);
    }

    private void chunk(Buffer buffer) {
        if (ended) {
            return; // after the agent's done: the rest is not relayed
        }
        lastByteNanos = System.nanoTime();
        try {
            if (!feed(buffer)) {
                return;
            }
        } catch (RuntimeException e) {
            end(e, true); // malformed (AgentStreamException), or a bug: the turn fails either way
            return;
        }
        if (!turn.hasRoom()) {
            waitingForRoom = true;
            response.pause();
            turn.whenRoom(() -> context.runOnContext(v -> roomAgain()));
        } else if ((bytesSinceYield += buffer.length()) >= YIELD_AFTER_BYTES) {
            bytesSinceYield = 0;
            yielding = true;
            response.pause();
            context.runOnContext(v -> {
                yielding = false;
                resumeUnlessHeld();
            });
        }
    }

    /**
     * The chunk's bytes read where they are when they are a heap array (Vert.x hands each response chunk over as a
     * fresh heap copy of its own, which nothing else writes to): no second copy per chunk.
     */
    private boolean feed(Buffer buffer) {
        ByteBuf bytes = buffer instanceof BufferImpl impl ? impl.byteBuf() : null;
        if (bytes != null && bytes.hasArray()) {
            int from = bytes.arrayOffset() + bytes.readerIndex();
            return lines.feed(bytes.array(), from, from + bytes.readableBytes(), this::line);
        }
        return lines.feed(buffer.getBytes(), this::line);
    }

    /** False to stop reading. */
    private boolean line(byte[] bytes, int offset, int length) {
        AgentStreamDecoder.Chunk chunk = decoder.decode(bytes, offset, length);
        String token = chunk.token();
        if (token != null && !token.isEmpty() && !turn.emit(token)) {
            end(null, true); // the turn ended (cancelled, too long, abandoned): nothing more is wanted
            return false;
        }
        if (chunk.done()) {
            draining = true;
            cancelTimer();
            armTimer(options.idleTimeoutMs());
            end(null, false);
            return false;
        }
        return true;
    }

    private void roomAgain() {
        if (ended || !waitingForRoom) {
            return;
        }
        waitingForRoom = false;
        lastByteNanos = System.nanoTime(); // the agent's silence is counted from now
        if (timerId == -1) {
            armTimer(options.idleTimeoutMs());
        }
        resumeUnlessHeld();
    }

    private void resumeUnlessHeld() {
        if (!ended && !waitingForRoom && !yielding) {
            response.resume();
        }
    }

    private void bodyEnded() {
        if (ended) {
            draining = false;
            cancelTimer();
            return;
        }
        try {
            lines.finish(this::line); // a last line without a line end
        } catch (RuntimeException e) {
            end(e, false);
            return;
        }
        draining = false;
        cancelTimer();
        end(null, false);
    }

    private void failed(Throwable failure) {
        end(failure, true);
    }

    private void timerFired() {
        timerId = -1;
        if (ended) {
            if (draining) {
                draining = false;
                cutOff(); // the agent said done but never ended its body
            }
            return;
        }
        if (waitingForRoom) {
            return; // waiting for the client, not the agent: armed again on resume
        }
        long silent = System.nanoTime() - lastByteNanos;
        if (silent >= idleNanos) {
            end(new AgentSilenceException(options.idleTimeoutMs()), true);
        } else {
            armTimer(TimeUnit.NANOSECONDS.toMillis(idleNanos - silent) + 1);
        }
    }

    private void armTimer(long delayMs) {
        timerId = context.owner().setTimer(Math.max(1, delayMs), id -> timerFired());
    }

    private void cancelTimer() {
        if (timerId != -1) {
            context.owner().cancelTimer(timerId);
            timerId = -1;
        }
    }

    /** Drops the connection (a response under way) or the queued request; the agent sees the connection close. */
    private void cutOff() {
        if (request != null) {
            request.reset();
        }
    }

    /**
     * Completes the exchange, once; the route goes on from here, on this event loop. {@code cut}: drop the connection
     * first (marked ended before, so the exception handlers that the reset calls back find the call over).
     */
    private void end(Throwable failure, boolean cut) {
        if (ended) {
            return;
        }
        ended = true;
        if (cut) {
            cutOff();
        }
        if (!draining) {
            cancelTimer();
        }
        if (callback == null) {
            Map<String, Object> props = properties;
            properties = null;
            streamEnd.report(props, failure, turn);
            return;
        }
        if (failure != null) {
            exchange.setException(failure);
        }
        AsyncCallback done = callback;
        exchange = null;
        callback = null;
        done.done(false);
    }

    /** The turn ended (cancel, disconnect): from any thread. */
    @Override
    public void abort() {
        context.runOnContext(v -> end(null, true));
    }
}
