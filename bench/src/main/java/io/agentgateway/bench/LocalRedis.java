package io.agentgateway.bench;

import java.io.IOException;

import redis.embedded.RedisServer;

/** A real redis-server (the binary embedded-redis ships) on a free loopback port, without persistence. */
final class LocalRedis implements AutoCloseable {

    final int port;
    private final RedisServer server;

    private LocalRedis(int port, RedisServer server) {
        this.port = port;
        this.server = server;
    }

    static LocalRedis start() throws IOException {
        int port = Bench.freePort();
        RedisServer server = RedisServer.newRedisServer().bind("127.0.0.1").port(port)
                .setting("save \"\"").setting("appendonly no").build();
        server.start();
        return new LocalRedis(port, server);
    }

    @Override
    public void close() throws IOException {
        server.stop();
    }
}
