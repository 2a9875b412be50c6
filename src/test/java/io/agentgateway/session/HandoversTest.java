package io.agentgateway.session;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.agentgateway.common.ClientSocket;
import io.agentgateway.common.GatewayHeaders;
import io.agentgateway.common.GatewayMetrics;
import io.agentgateway.common.ServerFrames;
import io.vertx.core.Vertx;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Handing a session's stream between instances when an instance is slow to answer: a late stream still lands, a
 * request older than the asked instance's own claim is ignored, and of two copies the one that numbered further wins.
 * Each instance here is its own stream, registry and handovers; the relay between them delivers only when the test
 * says, so "slow" is exact.
 */
class HandoversTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String S = "s1";
    private static final Duration WAIT = Duration.ofMillis(150);

    private final ServerFrames frames = new ServerFrames(MAPPER);
    private final Vertx vertx = Vertx.vertx();
    private final CamelContext camel = new DefaultCamelContext();
    /** The directory all instances share: the session's holder, and the instances that beat. */
    private final Map<String, String> holders = new HashMap<>();
    private final Set<String> responsive = new HashSet<>();
    /** Messages sent and not delivered yet, in order, with their addressee. */
    private final Queue<Sent> inFlight = new ArrayDeque<>();

    /** A message in flight, made (as the Redis relay makes it) when it is first read: on delivery, or to look at. */
    private static final class Sent {
        final String to;
        private Supplier<String> make;
        private String json;

        Sent(String to, Supplier<String> make) {
            this.to = to;
            this.make = make;
        }

        synchronized boolean made() {
            return make == null;
        }

        synchronized String json() {
            if (make != null) {
                json = make.get();
                make = null;
            }
            return json;
        }
    }
    private final Map<String, Instance> instances = new HashMap<>();

    @AfterEach
    void close() {
        instances.values().forEach(i -> i.streams.close());
        vertx.close();
    }

    private final class Directory implements SessionDirectory {
        final String self;

        Directory(String self) {
            this.self = self;
        }

        @Override
        public synchronized Optional<String> claim(String sessionId) {
            String previous = holders.put(sessionId, self);
            return Optional.ofNullable(previous).filter(p -> !p.equals(self));
        }

        @Override
        public synchronized void release(String sessionId) {
            holders.remove(sessionId, self);
        }

        @Override
        public synchronized Optional<String> holder(String sessionId) {
            return Optional.ofNullable(holders.get(sessionId)).filter(p -> !p.equals(self));
        }

        @Override
        public synchronized boolean claimedHere(String sessionId) {
            return self.equals(holders.get(sessionId));
        }

        @Override
        public synchronized boolean responsive(String instanceId) {
            return responsive.contains(instanceId);
        }
    }

    private final class Instance {
        final String name;
        final InMemorySessionStreams streams = new InMemorySessionStreams(vertx, frames, 1 << 20, 1L << 30,
                Duration.ofSeconds(30), Duration.ofMinutes(5), id -> { }, StreamStore.NONE, i -> true, 65536,
                n -> { });
        final InMemorySessionRegistry registry = new InMemorySessionRegistry();
        final Directory directory;
        final Handovers handovers;
        final SocketLifecycle lifecycle;

        Instance(String name) {
            this.name = name;
            directory = new Directory(name);
            handovers = new Handovers(MAPPER, registry, streams, new InstanceRelay() {
                @Override
                public void send(String to, String json) {
                    Sent made = new Sent(to, () -> json);
                    made.json();
                    synchronized (inFlight) {
                        inFlight.add(made);
                    }
                }

                @Override
                public void send(String to, Supplier<String> json) {
                    synchronized (inFlight) {
                        inFlight.add(new Sent(to, json));
                    }
                }
            }, directory, name, WAIT, Duration.ofSeconds(10));
            lifecycle = new SocketLifecycle(registry, streams, List.of(), GatewayMetrics.NONE, directory, handovers,
                    StreamStore.NONE);
            responsive.add(name);
            instances.put(name, this);
        }

        /** A socket opening the session here, as the session-open route does. */
        Socket open(Long lastSeq) {
            return open(new Socket(name + "-" + System.nanoTime()), lastSeq);
        }

        Socket open(Socket socket, Long lastSeq) {
            Exchange exchange = new DefaultExchange(camel);
            exchange.setProperty(GatewayHeaders.SOCKET, socket);
            if (lastSeq != null) {
                exchange.getMessage().setHeader(SocketLifecycle.LAST_SEQ, String.valueOf(lastSeq));
            }
            lifecycle.open(exchange);
            return socket;
        }

        void tokens(int n) {
            tokens(0, n);
        }

        /** Tokens "t<from>" .. "t<from + n - 1>". */
        void tokens(int from, int n) {
            for (int i = from; i < from + n; i++) {
                String text = "t" + i;
                streams.append(S, seq -> frames.token(text, false, seq));
            }
        }

        /** What the relay route does with a message for this instance. */
        void receive(String json) throws Exception {
            JsonNode m = MAPPER.readTree(json);
            Exchange exchange = new DefaultExchange(camel);
            exchange.setProperty(GatewayHeaders.RELAY, m);
            switch (m.path("kind").asText()) {
                case "handover" -> handovers.handover(exchange);
                case "snapshot" -> handovers.snapshot(exchange);
                case "append" -> handovers.append(exchange);
                default -> throw new AssertionError("unexpected relay message " + json);
            }
        }
    }

    private static final class Socket implements ClientSocket {
        final String key;
        final List<String> sent = new ArrayList<>();
        volatile short closedWith;

        Socket(String key) {
            this.key = key;
        }

        @Override
        public String connectionKey() {
            return key;
        }

        @Override
        public String sessionId() {
            return S;
        }

        @Override
        public synchronized boolean send(String text) {
            sent.add(text);
            return true;
        }

        @Override
        public void close(short code, String reason) {
            closedWith = code;
        }

        @Override
        public boolean isOpen() {
            return closedWith == 0;
        }

        @Override
        public boolean writable() {
            return true;
        }

        @Override
        public void onWritable(Runnable then) {
        }

        synchronized List<JsonNode> frames() throws Exception {
            List<JsonNode> out = new ArrayList<>();
            for (String text : sent) {
                out.add(MAPPER.readTree(text));
            }
            return out;
        }
    }

    /** Delivers every message in flight (and those they cause), in order. */
    private void deliverAll() throws Exception {
        while (true) {
            Sent next;
            synchronized (inFlight) {
                next = inFlight.poll();
            }
            if (next == null) {
                return;
            }
            instances.get(next.to).receive(next.json());
        }
    }

    /** A socket opening the session at {@code at}, which asks {@code asked} for the stream: delivered, then opened. */
    private Socket openAskingFor(Instance at, long lastSeq, Instance asked) throws Exception {
        CompletableFuture<Socket> opening = CompletableFuture.supplyAsync(() -> at.open(lastSeq));
        await(() -> kindsInFlight().contains(asked.name + ":handover"));
        deliverAll();
        return opening.get(5, TimeUnit.SECONDS);
    }

    /** Delivers the first message in flight only. */
    private String deliverOne() throws Exception {
        Sent next;
        synchronized (inFlight) {
            next = inFlight.poll();
        }
        instances.get(next.to).receive(next.json());
        return next.to + ":" + MAPPER.readTree(next.json()).path("kind").asText();
    }

    private List<String> kindsInFlight() throws Exception {
        List<String> kinds = new ArrayList<>();
        synchronized (inFlight) {
            for (Sent m : inFlight) {
                kinds.add(m.to + ":" + MAPPER.readTree(m.json()).path("kind").asText());
            }
        }
        return kinds;
    }

    @Test
    void theSnapshotIsWrittenOutWhenTheRelaySendsItNotWhileTheStreamIsMoved() throws Exception {
        Instance a = new Instance("a");
        Instance b = new Instance("b");
        b.open(null);
        b.tokens(3);
        CompletableFuture<Socket> opening = CompletableFuture.supplyAsync(() -> a.open(2L));
        await(() -> kindsInFlight().contains("b:handover"));
        assertThat(deliverOne()).isEqualTo("b:handover"); // B moves the stream and queues its snapshot for A
        Sent snapshot;
        synchronized (inFlight) {
            snapshot = inFlight.peek();
        }
        assertThat(snapshot.to).isEqualTo("a");
        // made by the relay's thread when it sends it, not under the session's lock by the thread that moved it
        assertThat(snapshot.made()).isFalse();
        assertThat(MAPPER.readTree(snapshot.json()).path("kind").asText()).isEqualTo("snapshot");
        deliverAll();
        assertThat(opening.get(5, TimeUnit.SECONDS).closedWith).isZero();
        assertThat(a.streams.nextSeq(S)).isEqualTo(3);
    }

    @Test
    void aSocketItsClientClosedBeforeItsOpenRanTakesNothingOver() throws Exception {
        Instance a = new Instance("a");
        Instance b = new Instance("b");
        Socket onB = b.open(null);
        b.tokens(3);

        // handshakes the client gave up on (it timed out and opened the socket above) that completed late
        for (Instance late : List.of(a, b)) {
            Socket gaveUp = new Socket(late.name + "-late");
            gaveUp.close((short) 1006, "client gone");
            late.open(gaveUp, null);
            assertThat(gaveUp.sent).isEmpty();
        }

        assertThat(inFlight).isEmpty(); // nobody asked B for the stream
        assertThat(onB.closedWith).isZero();
        assertThat(holders).containsEntry(S, "b");
        b.tokens(3, 2);
        assertThat(onB.frames()).hasSize(5);
    }

    @Test
    void anInstanceThatLeftARequestUnansweredIsNotWaitedForAgainUntilItIsHeardFrom() throws Exception {
        Instance a = new Instance("a");
        Instance b = new Instance("b");
        b.open(null);
        b.tokens(3);

        long t0 = System.nanoTime();
        assertThat(a.open(2L).closedWith).isEqualTo(SocketLifecycle.TRY_AGAIN_LATER); // B silent: waited
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(WAIT);
        long t1 = System.nanoTime();
        assertThat(a.open(2L).closedWith).isEqualTo(SocketLifecycle.TRY_AGAIN_LATER); // still silent: no wait
        assertThat(Duration.ofNanos(System.nanoTime() - t1)).isLessThan(WAIT.dividedBy(2));

        deliverAll(); // B answers after all: its stream lands on A, and B counts as heard from
        Socket resumed = a.open(2L);
        assertThat(resumed.closedWith).isZero();
        assertThat(a.streams.nextSeq(S)).isEqualTo(3);

        // the session goes back to B, then A asks B again: B was heard from, so A waits for it and gets it
        Socket onB = openAskingFor(b, 2L, a);
        assertThat(onB.closedWith).isZero();
        assertThat(resumed.closedWith).isEqualTo(SocketLifecycle.SESSION_TAKEN_OVER);
        Socket back = openAskingFor(a, 2L, b);
        assertThat(back.closedWith).isZero();
        assertThat(onB.closedWith).isEqualTo(SocketLifecycle.SESSION_TAKEN_OVER);
    }

    @Test
    void aStreamThatComesAfterItsSocketStoppedWaitingIsInstalledAndTheNextTryResumesFromIt() throws Exception {
        Instance a = new Instance("a");
        Instance b = new Instance("b");
        Socket onB = b.open(null);
        b.tokens(5); // seq 0..4 reach the client
        assertThat(onB.frames()).hasSize(5);

        // the client resumes on A; B does not answer within the wait, but beats: try again later
        Socket first = a.open(4L);
        assertThat(first.closedWith).isEqualTo(SocketLifecycle.TRY_AGAIN_LATER);
        assertThat(first.sent).isEmpty();

        deliverAll(); // B gives the stream up (closing its socket), and it lands on A
        assertThat(onB.closedWith).isEqualTo(SocketLifecycle.SESSION_TAKEN_OVER);
        assertThat(a.streams.nextSeq(S)).isEqualTo(5);

        Socket second = a.open(4L);
        assertThat(second.closedWith).isZero();
        assertThat(second.frames().get(0).path("type").asText()).isEqualTo("resumed");
        assertThat(second.frames().get(0).path("recovered").asBoolean()).isTrue();
        a.tokens(1);
        assertThat(second.frames().get(1).path("seq").asLong()).isEqualTo(5);
    }

    @Test
    void aSecondTryWhileTheStreamIsStillOnItsWayWaitsForItInsteadOfAskingAnotherCopy() throws Exception {
        Instance a = new Instance("a");
        Instance b = new Instance("b");
        b.open(null);
        b.tokens(3);
        assertThat(a.open(2L).closedWith).isEqualTo(SocketLifecycle.TRY_AGAIN_LATER);

        // the next try on A: the directory names A now, but the stream asked from B is what it waits for (B, silent
        // since the first request, is not waited for again: try later, and no other copy meanwhile)
        assertThat(a.open(2L).closedWith).isEqualTo(SocketLifecycle.TRY_AGAIN_LATER);
        assertThat(kindsInFlight()).containsExactly("b:handover", "b:handover");
        assertThat(a.streams.has(S)).isFalse();
        deliverAll();
        Socket socket = a.open(2L);
        assertThat(socket.closedWith).isZero();
        assertThat(socket.frames().get(0).path("recovered").asBoolean()).isTrue();
        assertThat(a.streams.nextSeq(S)).isEqualTo(3);
    }

    @Test
    void aHolderThatIsGoneIsNotWaitedFor() throws Exception {
        Instance a = new Instance("a");
        Instance b = new Instance("b");
        b.open(null);
        b.tokens(3);
        responsive.remove("b"); // killed: its heartbeat key lingers, it beats no more
        Socket socket = a.open(2L);
        assertThat(socket.closedWith).isZero();
        assertThat(a.handovers.awaitedFrom(S)).isEmpty();
        // nothing saved anywhere: numbered on after what the client has, never below it
        a.tokens(1);
        assertThat(socket.frames().get(1).path("seq").asLong()).isEqualTo(3);
    }

    @Test
    void anInstanceAskedForAStreamStillOnItsWayThereHandsItOnOnceItCame() throws Exception {
        Instance a = new Instance("a");
        Instance b = new Instance("b");
        Instance c = new Instance("c");
        b.open(null);
        b.tokens(4);
        assertThat(a.open(3L).closedWith).isEqualTo(SocketLifecycle.TRY_AGAIN_LATER); // A asked B, B slow

        // the client tries C, which asks A (the directory names A): A's copy is empty, B's is on its way to A
        Socket socket = openAskingFor(c, 3L, a);
        assertThat(socket.closedWith).isZero();
        assertThat(c.streams.nextSeq(S)).isEqualTo(4);
        assertThat(socket.frames().get(0).path("recovered").asBoolean()).isTrue();
        assertThat(a.streams.isMoved(S)).isTrue();
    }

    @Test
    void aHandoverAskedBeforeTheHolderClaimedTheSessionAgainIsIgnored() throws Exception {
        Instance a = new Instance("a");
        Instance b = new Instance("b");
        Socket onB = b.open(null);
        b.tokens(3);
        assertThat(a.open(2L).closedWith).isEqualTo(SocketLifecycle.TRY_AGAIN_LATER);
        // before B read A's request, the client came back to B: B claims the session again and asks A
        Socket socket = openAskingFor(b, 2L, a);

        // B kept its stream: A's request predates B's claim, and A's empty copy is older than B's
        assertThat(socket.closedWith).isZero();
        assertThat(b.streams.isMoved(S)).isFalse();
        assertThat(b.streams.nextSeq(S)).isEqualTo(3);
        assertThat(socket.frames().get(0).path("recovered").asBoolean()).isTrue();
        assertThat(onB.closedWith).isEqualTo(SocketLifecycle.SESSION_TAKEN_OVER); // by the newer socket on B
        b.tokens(1);
        assertThat(socket.frames().get(1).path("seq").asLong()).isEqualTo(3);
    }

    @Test
    void anInstanceWithoutTheStreamSaysSoInsteadOfHandingOverAnEmptyOne() throws Exception {
        Instance a = new Instance("a");
        Instance b = new Instance("b"); // named as the holder, but its stream is gone (it expired there)
        holders.put(S, "b");
        Socket socket = openAskingFor(a, 7L, b);
        assertThat(socket.closedWith).isZero();
        assertThat(b.streams.has(S)).isFalse();
        // nothing of it anywhere: numbered on after what the client has, never from 0
        a.tokens(1);
        assertThat(socket.frames().get(1).path("seq").asLong()).isEqualTo(8);
    }

    @Test
    void aResumeMovesTheFramesItMissesAndTheLastItHasNotTheWholeBuffer() throws Exception {
        Instance a = new Instance("a");
        Instance b = new Instance("b");
        b.open(null);
        b.tokens(50);
        Socket socket = openAskingFor(a, 45L, b);
        List<JsonNode> got = socket.frames();
        assertThat(got.get(0).path("recovered").asBoolean()).isTrue();
        assertThat(got.subList(1, got.size())).extracting(f -> f.path("seq").asLong()).containsExactly(46L, 47L, 48L,
                49L);
        // a resume from further back than what moved cannot be served there
        Socket older = a.open(10L);
        assertThat(older.frames().get(0).path("error").asText()).contains("no longer kept");
    }

    @Test
    void whatASnapshotKeepsForAResume() {
        SessionStreams.Snapshot all = new SessionStreams.Snapshot(10, List.of("5", "6", "7", "8", "9"), "o");
        assertThat(Handovers.after(all, -1)).isSameAs(all);
        assertThat(Handovers.after(all, 2)).isSameAs(all);
        assertThat(Handovers.after(all, 4)).isSameAs(all);
        assertThat(Handovers.after(all, 7).frames()).containsExactly("7", "8", "9");
        assertThat(Handovers.after(all, 9).frames()).containsExactly("9");
        assertThat(Handovers.after(all, 12).frames()).containsExactly("9");
        assertThat(Handovers.after(all, 7).nextSeq()).isEqualTo(10);
        assertThat(Handovers.after(new SessionStreams.Snapshot(3, List.of(), null), 1).frames()).isEmpty();
    }

    @Test
    void anAnswerThatWentToAnotherInstanceAndStraightBackKeepsItsOrder() throws Exception {
        Instance a = new Instance("a");
        Instance b = new Instance("b");
        a.open(null);
        a.tokens(3); // t0..t2, seq 0..2; the answer streams on A
        openAskingFor(b, 2L, a);

        a.tokens(3, 2); // t3, t4: A's answer goes on, forwarded to B
        CompletableFuture<Socket> backOnA = CompletableFuture.supplyAsync(() -> a.open(2L));
        await(() -> kindsInFlight().contains("b:handover"));
        a.tokens(5, 2); // t5, t6: forwarded after A asked for the session back, still on their way when B moves it
        assertThat(deliverOne()).isEqualTo("b:append");
        assertThat(deliverOne()).isEqualTo("b:append");
        assertThat(deliverOne()).isEqualTo("b:handover"); // B moves it back; it took 2 of the 4 A forwarded
        assertThat(deliverOne()).isEqualTo("b:append"); // t5, arriving after B moved: dropped, not sent back
        assertThat(deliverOne()).isEqualTo("b:append");
        assertThat(kindsInFlight()).containsExactly("a:snapshot");
        assertThat(deliverOne()).isEqualTo("a:snapshot"); // A appends t5, t6 itself, after the snapshot
        Socket socket = backOnA.get(5, TimeUnit.SECONDS);
        a.tokens(7, 1); // A's answer goes on, after everything before it
        deliverAll();

        List<JsonNode> got = socket.frames();
        assertThat(got.get(0).path("recovered").asBoolean()).isTrue();
        assertThat(got.subList(1, got.size())).extracting(f -> f.path("seq").asLong() + "=" + f.path("token").asText())
                .containsExactly("3=t3", "4=t4", "5=t5", "6=t6", "7=t7");
    }

    @Test
    void anOlderCopyNeverReplacesAStreamThatNumberedFurther() {
        Instance a = new Instance("a");
        a.open(null);
        a.tokens(6);
        a.streams.install(S, new SessionStreams.Snapshot(2, List.of(), null), Optional.empty());
        assertThat(a.streams.nextSeq(S)).isEqualTo(6);
        a.streams.install(S, new SessionStreams.Snapshot(9, List.of(), null), Optional.empty());
        assertThat(a.streams.nextSeq(S)).isEqualTo(9);
    }

    private interface Check {
        boolean ok() throws Exception;
    }

    private static void await(Check check) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!check.ok()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within 5 s");
            }
            Thread.sleep(5);
        }
    }
}
