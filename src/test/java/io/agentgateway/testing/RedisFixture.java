package io.agentgateway.testing;

import java.io.IOException;

import redis.embedded.RedisServer;

/** A real redis-server (the binary embedded-redis ships) on a free loopback port, which tests can stop and restart. */
public final class RedisFixture implements AutoCloseable {

    private final int port;
    private RedisServer server;

    private RedisFixture(int port) {
        this.port = port;
    }

    /** A free port, and no server on it yet. */
    public static RedisFixture onFreePort() throws IOException {
        return new RedisFixture(RunningGateway.freePort());
    }

    public static RedisFixture started() throws IOException {
        RedisFixture f = onFreePort();
        f.start();
        return f;
    }

    public int port() {
        return port;
    }

    public void start() throws IOException {
        server = RedisServer.newRedisServer().bind("127.0.0.1").port(port)
                .setting("save \"\"").setting("appendonly no").build();
        server.start();
    }

    /** Kills the server, as a crash would. */
    public void stop() throws IOException {
        if (server != null) {
            server.stop();
            server = null;
        }
    }

    @Override
    public void close() throws IOException {
        stop();
    }
}
