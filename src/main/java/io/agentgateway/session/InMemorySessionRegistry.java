package io.agentgateway.session;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** {@link SessionRegistry} for one gateway instance. */
public class InMemorySessionRegistry implements SessionRegistry {

    private final Map<String, ClientSocket> bySession = new ConcurrentHashMap<>();
    private final Map<String, ClientSocket> byConnection = new ConcurrentHashMap<>();

    @Override
    public Optional<ClientSocket> register(ClientSocket socket) {
        byConnection.put(socket.connectionKey(), socket);
        return Optional.ofNullable(bySession.put(socket.sessionId(), socket));
    }

    @Override
    public boolean unregister(ClientSocket socket) {
        byConnection.remove(socket.connectionKey());
        return bySession.remove(socket.sessionId(), socket);
    }

    @Override
    public Optional<ClientSocket> find(String sessionId) {
        return Optional.ofNullable(bySession.get(sessionId));
    }

    @Override
    public Optional<ClientSocket> findByConnection(String connectionKey) {
        return Optional.ofNullable(byConnection.get(connectionKey));
    }

    @Override
    public int size() {
        return bySession.size();
    }
}
