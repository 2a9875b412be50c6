package io.agentgateway.chat;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** {@link StreamRegistry} for one gateway instance. */
public class InMemoryStreamRegistry implements StreamRegistry {

    private final Map<String, Turn> turns = new ConcurrentHashMap<>();

    @Override
    public boolean begin(Turn turn) {
        return turns.putIfAbsent(turn.sessionId(), turn) == null;
    }

    @Override
    public Optional<Turn> current(String sessionId) {
        return Optional.ofNullable(turns.get(sessionId));
    }

    @Override
    public void end(Turn turn) {
        turns.remove(turn.sessionId(), turn);
    }

    @Override
    public int active() {
        return turns.size();
    }
}
