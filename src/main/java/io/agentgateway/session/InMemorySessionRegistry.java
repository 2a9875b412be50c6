package io.agentgateway.session;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import io.agentgateway.common.ClientSocket;

/** {@link SessionRegistry} for one gateway instance. */
public class InMemorySessionRegistry implements SessionRegistry {

    private final Map<String, ClientSocket> bySession = new ConcurrentHashMap<>();

    @Override
    public Optional<ClientSocket> register(ClientSocket socket) {
        return Optional.ofNullable(bySession.put(socket.sessionId(), socket));
    }

    @Override
    public boolean unregister(ClientSocket socket) {
        return bySession.remove(socket.sessionId(), socket);
    }

    @Override
    public Optional<ClientSocket> find(String sessionId) {
        return Optional.ofNullable(bySession.get(sessionId));
    }

    @Override
    public int size() {
        return bySession.size();
    }
}
