package io.agentgateway.chat;

/**
 * One answer at a time per session across instances: a turn holds its session's lock while it streams. One instance
 * alone needs none ({@link #LOCAL}: its StreamRegistry already allows one per session).
 */
public interface TurnLocks {

    TurnLocks LOCAL = new TurnLocks() {
        @Override
        public boolean tryLock(String sessionId) {
            return true;
        }

        @Override
        public void unlock(String sessionId) {
        }
    };

    /** True when no instance streams an answer for the session, and now this one does. */
    boolean tryLock(String sessionId);

    void unlock(String sessionId);
}
