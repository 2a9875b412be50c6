package io.agentgateway.chat;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** {@link StreamRegistry} for one gateway instance. */
public class InMemoryStreamRegistry implements StreamRegistry {

    private final Map<String, Turn> turns = new ConcurrentHashMap<>();

    @Override
    public boolean begin(Turn turn) {
        // a turn whose final frame is out counts as gone, even before it has removed itself: the client may already
        // have sent its next message
        return turns.compute(turn.sessionId(), (id, old) -> old == null || old.isFinished() ? turn : old) == turn;
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

    @Override
    public Collection<Turn> streaming() {
        return List.copyOf(turns.values());
    }
}
