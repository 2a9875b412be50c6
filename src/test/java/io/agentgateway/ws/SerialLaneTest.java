package io.agentgateway.ws;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** A socket's tasks in order across the two pools; a task that waits on one pool holds up its own lane only. */
class SerialLaneTest {

    private final ExecutorService ingress = Executors.newFixedThreadPool(1, r -> new Thread(r, "ingress"));
    private final ExecutorService sessions = Executors.newFixedThreadPool(2, r -> new Thread(r, "sessions"));

    @AfterEach
    void stop() {
        ingress.shutdownNow();
        sessions.shutdownNow();
    }

    @Test
    void tasksRunInSubmissionOrderWhicheverPoolTheyNameAndEachOnItsPool() throws Exception {
        SerialLane lane = new SerialLane(ingress);
        List<String> ran = new CopyOnWriteArrayList<>();
        CountDownLatch done = new CountDownLatch(1);
        lane.execute(() -> ran.add("open on " + Thread.currentThread().getName()), sessions);
        IntStream.range(0, 200).forEach(i -> lane.execute(() -> ran.add("frame" + i + " on "
                + Thread.currentThread().getName())));
        lane.execute(() -> ran.add("close on " + Thread.currentThread().getName()), sessions);
        lane.execute(done::countDown);
        assertThat(done.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(ran).hasSize(202);
        assertThat(ran.get(0)).isEqualTo("open on sessions");
        assertThat(ran.get(1)).isEqualTo("frame0 on ingress");
        assertThat(ran.get(200)).isEqualTo("frame199 on ingress");
        assertThat(ran.get(201)).isEqualTo("close on sessions");
    }

    @Test
    void anOpenThatWaitsHoldsUpItsOwnSocketButNotTheFramesOfOthers() throws Exception {
        SerialLane waiting = new SerialLane(ingress);
        SerialLane other = new SerialLane(ingress);
        CountDownLatch release = new CountDownLatch(1);
        List<String> ran = new CopyOnWriteArrayList<>();
        waiting.execute(() -> {
            try {
                release.await(5, TimeUnit.SECONDS); // a handover that takes its time
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            ran.add("open");
        }, sessions);
        waiting.execute(() -> ran.add("its frame"));
        CountDownLatch otherDone = new CountDownLatch(1);
        other.execute(() -> {
            ran.add("other frame");
            otherDone.countDown();
        });
        assertThat(otherDone.await(2, TimeUnit.SECONDS)).as("the one ingress thread is free").isTrue();
        assertThat(ran).containsExactly("other frame");
        release.countDown();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (ran.size() < 3 && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(ran).containsExactly("other frame", "open", "its frame");
    }
}
