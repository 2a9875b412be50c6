// The agent-gateway browser client: chat on WS /ws/{session_id} (streamed answers, Stop, tool calls answered by
// the person, reconnect with ?last_seq=N) and judgements on WS /ws. Plain JS, no build step, no dependencies.
'use strict';

const $ = (id) => document.getElementById(id);

const ui = {
  connection: $('connection'),
  sessionId: $('session-id'),
  appid: $('appid'),
  token: $('token'),
  connect: $('connect'),
  disconnect: $('disconnect'),
  chatState: $('chat-state'),
  transcript: $('transcript'),
  toolCalls: $('tool-calls'),
  toolTemplate: $('tool-call-template'),
  composer: $('composer'),
  message: $('message'),
  send: $('send'),
  stop: $('stop'),
  judgeForm: $('judge-form'),
  agentIds: $('agent-ids'),
  judgeInput: $('judge-input'),
  ask: $('ask'),
  judgeState: $('judge-state'),
  judgements: $('judgements'),
};

/**
 * How long a reconnected socket that asked to resume waits for {"type":"resumed"} before the dropped answer counts as
 * lost. The gateway sends "resumed" first and at once, so this only ends the wait on an old gateway that ignores
 * last_seq and has nothing to send; any other first frame tells the same at once.
 */
const RESUME_WAIT_MS = 1500;
const RETRY_MAX_MS = 10000;

// --- helpers --------------------------------------------------------------------------------------------------

function wsUrl(path, params) {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const url = new URL(scheme + '//' + location.host + path);
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') {
      url.searchParams.set(key, String(value));
    }
  }
  return url.toString();
}

function credentials() {
  return { appid: ui.appid.value.trim(), token: ui.token.value.trim() };
}

function setState(el, state, text) {
  el.dataset.state = state;
  el.textContent = text;
}

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function scrollToEnd(container) {
  container.scrollTop = container.scrollHeight;
}

function randomSessionId() {
  const bytes = new Uint8Array(6);
  crypto.getRandomValues(bytes);
  return 'web-' + Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

function pretty(value) {
  return typeof value === 'string' ? value : JSON.stringify(value, null, 2);
}

function closeCodeText(event) {
  return event.code + (event.reason ? ' ' + event.reason : '');
}

// --- chat -----------------------------------------------------------------------------------------------------

const chat = {
  socket: null,
  /** The session the socket belongs to; a new session id starts a new seq space. */
  session: null,
  /** Set by the person pressing Disconnect (or connecting elsewhere): no reconnect. */
  userClosed: false,
  /** Whether the current socket has opened at least once; a first socket that never opens is not retried. */
  everOpened: false,
  attempt: 0,
  retryTimer: null,
  /**
   * The last seq received in this session (null: none yet). Sent as ?last_seq=N on reconnect. The gateway numbers a
   * session's frames once for its whole life, across connections, so frames after a resume continue from here.
   */
  lastSeq: null,
  /**
   * Whether the session had no frames before this page first connected to it (a session id the page made up
   * itself): then a reconnect before any frame arrived can still resume, with last_seq=-1.
   */
  emptyBefore: false,
  /** The session id the page made up on load, and whether a socket to it has opened yet. */
  generatedId: null,
  generatedOpened: false,
  /** A reconnected socket that asked to resume and has had no frame yet: the first one tells. */
  awaitingResume: false,
  resumeTimer: null,
  /** The assistant turn streaming now (or cut off by a drop and maybe resumable). */
  turn: null,
  /** A cut-off turn given up for lost when no "resumed" came in time; a late "resumed" brings it back. */
  cutTurn: null,
  /** Set when a cut-off answer could not be resumed: the rest of it may still arrive, without its start. */
  lostStart: false,
  /** What the last frame the page sent was, to tell a refused user_message from other refusals. */
  lastSent: null,
};

function chatConnected() {
  return chat.socket !== null && chat.socket.readyState === WebSocket.OPEN;
}

function updateChatControls() {
  const open = chatConnected();
  const streaming = chat.turn !== null && chat.turn.state === 'streaming';
  // one answer at a time per session: the gateway refuses a user_message while one streams
  ui.send.disabled = !open || chat.turn !== null;
  ui.stop.disabled = !open || !streaming || chat.turn.stopping;
  ui.disconnect.disabled = chat.socket === null && chat.retryTimer === null;
}

function connectChat(isReconnect) {
  clearTimeout(chat.retryTimer);
  chat.retryTimer = null;
  const { appid, token } = credentials();
  const params = { appid, token };
  const resumeAfter = isReconnect ? resumePoint() : null;
  chat.cutTurn = null; // only a "resumed" late on the socket that gave the turn up brings it back
  if (resumeAfter !== null) {
    params.last_seq = resumeAfter;
  }
  const socket = new WebSocket(wsUrl('/ws/' + encodeURIComponent(chat.session), params));
  chat.socket = socket;
  chat.everOpened = isReconnect && chat.everOpened;
  setState(ui.chatState, isReconnect ? 'reconnecting' : 'connecting',
    isReconnect ? 'Reconnecting (attempt ' + chat.attempt + ')…' : 'Connecting…');

  socket.addEventListener('open', () => {
    if (socket !== chat.socket) return;
    chat.everOpened = true;
    chat.attempt = 0;
    if (chat.session === chat.generatedId) {
      chat.generatedOpened = true;
    }
    setState(ui.chatState, 'connected', 'Connected to session ' + chat.session);
    if (isReconnect && resumeAfter !== null) {
      chat.awaitingResume = true;
      clearTimeout(chat.resumeTimer);
      chat.resumeTimer = setTimeout(() => notResumed(), RESUME_WAIT_MS);
    } else if (isReconnect) {
      // nothing to resume from: what the answer sent while the page was away cannot be asked for
      notResumed();
    }
    updateChatControls();
  });
  socket.addEventListener('message', (event) => {
    if (socket !== chat.socket) return;
    let frame;
    try {
      frame = JSON.parse(event.data);
    } catch (e) {
      notice('The gateway sent a frame that is not JSON: ' + event.data);
      return;
    }
    onChatFrame(frame);
  });
  socket.addEventListener('close', (event) => {
    if (socket !== chat.socket) return;
    onChatClosed(event);
  });
  updateChatControls();
}

/** What to send as last_seq on a reconnect: the last seq received, -1 for a session that was new, or none. */
function resumePoint() {
  if (chat.lastSeq !== null) return chat.lastSeq;
  return chat.emptyBefore ? -1 : null;
}

function onChatClosed(event) {
  chat.socket = null;
  clearTimeout(chat.resumeTimer);
  chat.awaitingResume = false;
  expireToolCalls('the connection closed before the result was sent');
  if (chat.turn) {
    chat.turn.setMeta('connection lost…');
  }
  if (chat.userClosed) {
    setState(ui.chatState, 'closed', 'Disconnected');
    endTurnIfAny('interrupted', 'disconnected');
  } else if (event.code === 4000) {
    // Another connection took the session over; reconnecting would take it back and start a tug of war.
    setState(ui.chatState, 'closed', 'Closed: another connection took this session over');
    endTurnIfAny('interrupted', 'the session moved to another connection');
  } else if (!chat.everOpened) {
    setState(ui.chatState, 'failed',
      'Could not connect. If the gateway has auth on, fill in appid and a current token, then Connect.');
    endTurnIfAny('interrupted', 'not connected');
  } else {
    chat.attempt += 1;
    const delay = Math.min(RETRY_MAX_MS, 500 * 2 ** (chat.attempt - 1));
    setState(ui.chatState, 'reconnecting', 'Connection lost (' + closeCodeText(event) + '). Reconnecting in '
      + (delay / 1000).toFixed(1) + ' s (attempt ' + chat.attempt + ')…');
    chat.retryTimer = setTimeout(() => connectChat(true), delay);
  }
  updateChatControls();
}

/**
 * The reconnected socket does not resume (an old gateway that ignores last_seq, or nothing to resume from): the
 * answer that was streaming when the connection dropped is lost, and seq numbers on this socket are not ours.
 */
function notResumed() {
  clearTimeout(chat.resumeTimer);
  chat.awaitingResume = false;
  chat.lastSeq = null;
  chat.emptyBefore = false;
  if (chat.turn) {
    chat.cutTurn = chat.turn;
    chat.lostStart = true;
    endTurnIfAny('interrupted', 'interrupted: the connection dropped and the answer was not resumed');
  }
  updateChatControls();
}

/** {"type":"resumed","last_seq":N,"recovered":true|false[,"error":...]}: the gateway's first frame on a resume. */
function onResumed(frame) {
  clearTimeout(chat.resumeTimer);
  chat.awaitingResume = false;
  if (frame.recovered === false) {
    // Live frames only from here, numbered from wherever the gateway is (from 0 again for a session that expired):
    // nothing after this is a duplicate.
    chat.lastSeq = null;
    chat.emptyBefore = false;
    chat.cutTurn = null;
    if (chat.turn) {
      chat.lostStart = true;
      endTurnIfAny('interrupted', 'interrupted: the gateway could not resume the answer'
        + (frame.error ? ' (' + frame.error + ')' : ''));
    }
    notice('Reconnected, but the gateway could not resume: ' + (frame.error || 'frames were lost')
      + '. New frames follow.');
  } else {
    if (!chat.turn && chat.cutTurn && typeof frame.last_seq === 'number') {
      // "resumed" came after the page had given the answer up: it carries on after all
      chat.turn = chat.cutTurn;
      chat.turn.revive();
      chat.lastSeq = frame.last_seq >= 0 ? frame.last_seq : null;
      chat.lostStart = false;
    }
    chat.cutTurn = null;
    if (chat.turn) {
      chat.turn.resumed = true;
      if (!chat.turn.stopping) chat.turn.setMeta('resumed, streaming…');
    }
    setState(ui.chatState, 'connected', 'Connected to session ' + chat.session + ' (resumed)');
  }
  updateChatControls();
}

function onChatFrame(frame) {
  if (frame.type === 'resumed') {
    onResumed(frame);
    return;
  }
  if (chat.awaitingResume) {
    // the gateway sends "resumed" first: any other first frame means a gateway that ignored last_seq
    notResumed();
  }
  chat.cutTurn = null; // "resumed" comes first or not at all
  if (typeof frame.seq === 'number') {
    if (chat.lastSeq !== null && frame.seq <= chat.lastSeq) {
      return; // already shown: a resume replays only frames after last_seq, so this is a safety net
    }
    chat.lastSeq = frame.seq;
  }
  switch (frame.type) {
    case 'assistant_message':
      onAssistantMessage(frame);
      break;
    case 'error':
      currentTurn().finish('error', 'error: ' + (frame.error || 'unknown error'));
      chat.turn = null;
      break;
    case 'tool_call':
      showToolCall(frame);
      break;
    default:
      if (typeof frame.error === 'string' && frame.type === undefined) {
        onRefused(frame.error);
      } else {
        notice('Unknown frame from the gateway: ' + JSON.stringify(frame));
      }
  }
  updateChatControls();
}

function onAssistantMessage(frame) {
  const turn = currentTurn();
  if (typeof frame.token === 'string' && frame.token !== '') {
    turn.append(frame.token);
  }
  if (frame.is_final) {
    if (frame.cancelled) {
      turn.finish('cancelled', 'cancelled');
    } else {
      turn.finish('done', 'done');
    }
    chat.turn = null;
  }
}

/** A frame the gateway refused, answered with {"error": ...}; the socket stays open. */
function onRefused(message) {
  if (chat.lastSent === 'user_message' && chat.turn && chat.turn.text === '' && chat.turn.state === 'streaming') {
    chat.turn.finish('error', 'refused: ' + message);
    chat.turn = null;
  } else {
    notice('The gateway refused a frame: ' + message);
  }
}

function currentTurn() {
  if (!chat.turn) {
    // an answer the page did not ask for on this connection: the rest of one cut off by a drop
    chat.turn = newAssistantTurn();
    if (chat.lostStart) {
      chat.turn.note = 'its start was lost when the connection dropped';
      chat.lostStart = false;
    }
  }
  return chat.turn;
}

function endTurnIfAny(state, meta) {
  if (chat.turn) {
    chat.turn.finish(state, meta);
    chat.turn = null;
  }
}

function addUserTurn(text) {
  const item = el('li', 'turn user');
  item.append(el('span', 'who', 'You'), el('div', 'text', text));
  ui.transcript.append(item);
  scrollToEnd(ui.transcript);
}

function newAssistantTurn() {
  const item = el('li', 'turn assistant');
  const text = el('div', 'text');
  const meta = el('p', 'meta', 'waiting for the agent…');
  item.append(el('span', 'who', 'Agent'), text, meta);
  item.dataset.state = 'streaming';
  item.setAttribute('aria-busy', 'true');
  ui.transcript.append(item);
  scrollToEnd(ui.transcript);
  const turn = {
    item,
    text: '',
    state: 'streaming',
    stopping: false,
    /** Whether the answer carried on over a reconnect. */
    resumed: false,
    /** Said after the state when the turn ends (e.g. that its start was lost). */
    note: null,
    append(token) {
      this.text += token;
      text.textContent = this.text;
      if (!this.stopping) meta.textContent = this.resumed ? 'resumed, streaming…' : 'streaming…';
      scrollToEnd(ui.transcript);
    },
    setMeta(value) {
      meta.textContent = value;
    },
    finish(state, value) {
      this.state = state;
      item.dataset.state = state;
      item.removeAttribute('aria-busy');
      const note = this.note || (this.resumed && state === 'done' ? 'resumed after the connection dropped' : null);
      meta.textContent = note ? value + ' · ' + note : value;
      scrollToEnd(ui.transcript);
    },
    revive() {
      this.state = 'streaming';
      item.dataset.state = 'streaming';
      item.setAttribute('aria-busy', 'true');
    },
  };
  return turn;
}

function notice(text) {
  const item = el('li', 'notice', text);
  ui.transcript.append(item);
  scrollToEnd(ui.transcript);
}

function sendChat(frame) {
  if (!chatConnected()) {
    notice('Not connected: nothing was sent.');
    return false;
  }
  chat.socket.send(JSON.stringify(frame));
  chat.lastSent = frame.type;
  return true;
}

function sendMessage() {
  const content = ui.message.value;
  if (content.trim() === '' || ui.send.disabled) return;
  if (!sendChat({ type: 'user_message', content, role: 'user' })) return;
  addUserTurn(content);
  ui.message.value = '';
  chat.cutTurn = null;
  chat.lostStart = false;
  chat.turn = newAssistantTurn();
  updateChatControls();
}

function stopAnswer() {
  if (!chat.turn || chat.turn.state !== 'streaming') return;
  if (sendChat({ type: 'cancel' })) {
    chat.turn.stopping = true;
    chat.turn.setMeta('stopping…');
  }
  updateChatControls();
}

// --- tool calls -----------------------------------------------------------------------------------------------

const toolCards = new Map();

function showToolCall(frame) {
  const card = ui.toolTemplate.content.firstElementChild.cloneNode(true);
  const callId = String(frame.call_id);
  const name = String(frame.name);
  card.setAttribute('aria-label', 'Tool call ' + name);
  card.dataset.callId = callId;
  card.querySelector('.tool-name').textContent = name;
  card.querySelector('.call-id').textContent = 'call_id ' + callId;
  card.querySelector('.arguments').textContent = JSON.stringify(frame.arguments ?? {}, null, 2);
  const input = card.querySelector('.tool-result');
  const status = card.querySelector('.tool-status');
  const buttons = card.querySelectorAll('button');

  const answer = (kind) => {
    const text = input.value;
    const frameOut = { type: 'tool_result', call_id: callId };
    if (kind === 'error') {
      frameOut.error = text.trim() === '' ? 'declined by the user' : text;
    } else {
      frameOut.result = parseResult(text);
    }
    if (!sendChat(frameOut)) {
      status.textContent = 'Not sent: not connected.';
      return;
    }
    toolCards.delete(callId);
    card.dataset.state = kind === 'error' ? 'error-sent' : 'answered';
    status.textContent = kind === 'error' ? 'Error sent.' : 'Result sent.';
    input.disabled = true;
    buttons.forEach((b) => { b.disabled = true; });
  };
  card.querySelector('.send-result').addEventListener('click', () => answer('result'));
  card.querySelector('.send-error').addEventListener('click', () => answer('error'));
  input.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      answer('result');
    }
  });

  toolCards.set(callId, { card, status, input, buttons });
  ui.toolCalls.hidden = false;
  ui.toolCalls.append(card);
  input.focus();
}

/** JSON when the text parses as JSON, otherwise the text itself as a string. */
function parseResult(text) {
  try {
    return JSON.parse(text);
  } catch (e) {
    return text;
  }
}

function expireToolCalls(why) {
  for (const { card, status, input, buttons } of toolCards.values()) {
    card.dataset.state = 'expired';
    status.textContent = 'Expired: ' + why + '.';
    input.disabled = true;
    buttons.forEach((b) => { b.disabled = true; });
  }
  toolCards.clear();
}

// --- judgements -----------------------------------------------------------------------------------------------

const judge = {
  socket: null,
  /** The request waiting for its finals: { agents: Map(agentId -> card), open: Set(agentId), section }. */
  request: null,
  /** A frame to send once the socket opens. */
  queued: null,
};

function judgeConnected() {
  return judge.socket !== null && judge.socket.readyState === WebSocket.OPEN;
}

function updateJudgeControls() {
  ui.ask.disabled = judge.request !== null;
}

function openJudgeSocket() {
  const socket = new WebSocket(wsUrl('/ws', credentials()));
  judge.socket = socket;
  let opened = false;
  setState(ui.judgeState, 'connecting', 'Connecting…');
  socket.addEventListener('open', () => {
    opened = true;
    setState(ui.judgeState, 'connected', 'Connected');
    if (judge.queued) {
      socket.send(JSON.stringify(judge.queued));
      judge.queued = null;
    }
  });
  socket.addEventListener('message', (event) => {
    let frame;
    try {
      frame = JSON.parse(event.data);
    } catch (e) {
      return;
    }
    onJudgeFrame(frame);
  });
  socket.addEventListener('close', (event) => {
    if (socket !== judge.socket) return;
    judge.socket = null;
    judge.queued = null;
    setState(ui.judgeState, opened ? 'closed' : 'failed', opened
      ? 'Connection closed (' + closeCodeText(event) + '); the next question reconnects'
      : 'Could not connect. If the gateway has auth on, fill in appid and a current token.');
    endJudgement('the connection closed before this agent\'s final');
  });
}

function askAgents() {
  if (judge.request) return;
  const agentIds = [...new Set(ui.agentIds.value.split(/[\s,]+/).filter((id) => id !== ''))];
  const userInput = ui.judgeInput.value;
  if (agentIds.length === 0 || userInput.trim() === '') {
    setState(ui.judgeState, ui.judgeState.dataset.state, 'Give at least one agent id and a question.');
    return;
  }
  const section = el('section', 'judgement');
  section.setAttribute('aria-label', 'Judgement ' + (ui.judgements.children.length + 1));
  section.append(el('p', 'question', userInput));
  const agents = new Map();
  for (const agentId of agentIds) {
    const card = el('article', 'agent');
    card.setAttribute('aria-label', 'Agent ' + agentId);
    card.dataset.agentId = agentId;
    card.dataset.state = 'waiting';
    const thinking = el('ol', 'thinking');
    const final = el('p', 'final', 'waiting…');
    card.append(el('h3', null, agentId), thinking, final);
    section.append(card);
    agents.set(agentId, { card, thinking, final });
  }
  ui.judgements.prepend(section);
  judge.request = { agents, open: new Set(agentIds), section };
  updateJudgeControls();

  const frame = { type: 'agent_judgement', agent_ids: agentIds, data: { user_input: userInput } };
  if (judgeConnected()) {
    judge.socket.send(JSON.stringify(frame));
  } else {
    judge.queued = frame;
    if (judge.socket === null) openJudgeSocket();
  }
}

function onJudgeFrame(frame) {
  const request = judge.request;
  if (frame.type === undefined && typeof frame.error === 'string') {
    // the gateway refused the request (validation): no agent was asked
    if (request) {
      request.section.append(el('p', 'refused', 'Refused: ' + frame.error));
      endJudgement('not asked');
    }
    return;
  }
  const agent = request && request.agents.get(frame.agent_id);
  if (!agent) return; // a late frame of an earlier request
  if (frame.type === 'agent_judgement_stream') {
    const data = frame.data || {};
    agent.thinking.append(el('li', null, typeof data.thinking === 'string' ? data.thinking : pretty(data)));
    agent.card.dataset.state = 'thinking';
  } else if (frame.type === 'agent_judgement_final') {
    const data = frame.data || {};
    const ok = frame.result_code === 0;
    const text = ok
      ? (typeof data.judgement === 'string' ? data.judgement : pretty(data))
      : 'failed (result_code ' + frame.result_code + ')' + (frame.error ? ': ' + frame.error : '');
    agent.final.textContent = text;
    agent.card.dataset.state = ok ? 'done' : 'failed';
    request.open.delete(frame.agent_id);
    if (request.open.size === 0) {
      judge.request = null;
      updateJudgeControls();
    }
  }
}

function endJudgement(why) {
  const request = judge.request;
  if (!request) return;
  for (const agentId of request.open) {
    const agent = request.agents.get(agentId);
    agent.final.textContent = why;
    agent.card.dataset.state = 'failed';
  }
  judge.request = null;
  updateJudgeControls();
}

// --- wiring ---------------------------------------------------------------------------------------------------

function startSession() {
  const session = ui.sessionId.value.trim();
  if (session === '') {
    ui.sessionId.focus();
    return;
  }
  disconnectChat();
  chat.userClosed = false;
  if (session !== chat.session && ui.transcript.children.length > 0) {
    notice('Session ' + session);
  }
  chat.session = session;
  // a socket opened by the person (not a reconnect) asks for no replay: it takes the session's frames from now on
  chat.lastSeq = null;
  chat.emptyBefore = session === chat.generatedId && !chat.generatedOpened;
  chat.awaitingResume = false;
  chat.cutTurn = null;
  chat.lostStart = false;
  chat.attempt = 0;
  chat.everOpened = false;
  connectChat(false);
}

function disconnectChat() {
  chat.userClosed = true;
  clearTimeout(chat.retryTimer);
  chat.retryTimer = null;
  if (chat.socket) {
    const socket = chat.socket;
    chat.socket = null;
    socket.close(1000, 'closed by the user');
    onChatClosed({ code: 1000, reason: 'closed by the user' });
  } else if (chat.turn) {
    endTurnIfAny('interrupted', 'disconnected');
  }
  updateChatControls();
}

ui.connection.addEventListener('submit', (event) => {
  event.preventDefault();
  startSession();
});
ui.disconnect.addEventListener('click', () => {
  disconnectChat();
  setState(ui.chatState, 'closed', 'Disconnected');
});
ui.composer.addEventListener('submit', (event) => {
  event.preventDefault();
  sendMessage();
});
ui.message.addEventListener('keydown', (event) => {
  if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    sendMessage();
  }
});
ui.stop.addEventListener('click', stopAnswer);
ui.judgeForm.addEventListener('submit', (event) => {
  event.preventDefault();
  askAgents();
});

// ?session=..&appid=..&token=.. pre-fill the fields, so a link can open a given session.
const query = new URLSearchParams(location.search);
chat.generatedId = query.get('session') ? null : randomSessionId();
ui.sessionId.value = query.get('session') || chat.generatedId;
ui.appid.value = query.get('appid') || '';
ui.token.value = query.get('token') || '';
updateChatControls();
updateJudgeControls();
startSession();
