"use strict";
// Browser client for the chat server. The protocol is in book/src/protocol.md.
// Every piece of text from users or the server goes in with textContent, never as HTML.
(() => {
  // ui.joinRoom is #join-room, ui.directsPane is #directs-pane, and so on.
  const ui = {};
  for (const id of ["login", "username", "status", "error", "chat", "join", "join-room", "joined-rooms",
    "all-rooms", "room-title", "messages", "members", "send", "text", "direct", "direct-to", "direct-text",
    "directs", "directs-pane", "password", "remember", "sign-in", "sign-up", "sign-out"]) ui[id.replace(/-(\w)/g, (_, c) => c.toUpperCase())] = document.getElementById(id);

  const ERRORS = {
    bad_request: "The server could not understand that request (an empty message, perhaps).",
    unknown_type: "The server does not know that kind of request.",
    invalid_username: "Usernames have 1 to 32 letters, digits, '_', '-' or '.', and do not start with '.' or '-'.",
    username_taken: "That username is taken by someone connected right now; pick another.",
    not_welcomed: "You are not signed in yet; wait for the connection.",
    already_welcomed: "You are already signed in.",
    invalid_room: "Room names use lowercase letters, digits, '-', '_' and '.' (1 to 32, not starting with '.' or '-').",
    already_joined: "You are already in that room.",
    not_joined: "You are not in that room; join it first.",
    too_many_rooms: "Too many rooms: you can be in 32 at most (or the server is full); leave one first.",
    text_too_long: "That message is too long (2,000 characters at most).",
    invalid_text: "That message contains control characters; only newlines and tabs are allowed.",
    unknown_user: "Nobody of that name is connected.",
    rate_limited: "You are sending too fast; wait a moment.",
    unavailable: "The server cannot do that just now; try again in a moment.",
    unauthorized: "The server did not accept who you said you are: sign in again.",
    name_reserved: "That name belongs to an account: sign in to use it, or pick another name.",
  };
  const CLOSES = {
    1000: "The connection was closed.",
    1001: "The server is shutting down.",
    1002: "The connection broke the WebSocket rules.",
    1006: "The connection to the server was lost.",
    1007: "The server received text that was not valid UTF-8.",
    1008: "Too many invalid requests; the server closed the connection.",
    1009: "A message was too big for the server.",
    4008: "Your connection was too slow to keep up, so the server dropped it.",
    4012: "Nothing was heard from your connection for 60 seconds.",
    4013: "You sent too many requests too fast.",
    4501: "You were signed out (on this device or another): sign in again.",
    4502: "Signing in took too long (no successful hello within 10 seconds).",
    4503: "Your sign-in expired: sign in again.",
  };
  // ANCHOR: state
  const MAX_NODES = 1000, MAX_DIRECTS = 500, OLDER_PAGE = 50;
  const WS_URL = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws`;

  const state = { connected: false, username: null, current: null };
  window.chatState = state;
  // name -> { name, nodes, lastId, members, unread, more (older messages may exist), loadingOlder }
  const rooms = new Map();
  const joining = new Set(); // rooms with a join in flight
  const pending = new Map(); // request id -> { type, ... }
  let allRooms = [], ws = null, nextId = 1;
  let wanted = "";       // the username we ask for
  // Signed in: the token from /api/login, kept for this tab (sessionStorage) or, with
  // "remember me", for this browser (localStorage). Never in a URL, never in a cookie.
  let token = sessionStorage.getItem("chatToken") || localStorage.getItem("chatToken");
  let resuming = false;  // true once welcomed: a later username_taken may be our old connection
  let attempt = 0;
  let reconnectTimer = null, countdownTimer = null, roomsInterval = null, roomsTimer = null;
  let lastRoomsAt = 0, errorTimer = null;
  // ANCHOR_END: state

  // ---- small helpers ----
  // ANCHOR: el
  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = String(text);
    return e;
  }
  // ANCHOR_END: el
  function fmtTime(ts) {
    const d = new Date(ts);
    return Number.isNaN(d.getTime()) ? "" : d.toLocaleTimeString();
  }
  const sameName = (a, b) => typeof a === "string" && typeof b === "string" && a.toLowerCase() === b.toLowerCase();
  const byCode = (a, b) => (a < b ? -1 : a > b ? 1 : 0);
  const nearBottom = (e) => e.scrollHeight - e.scrollTop - e.clientHeight < 48;
  const friendly = (code, message) => ERRORS[code] || message || "Something went wrong.";

  function setStatus(text) { ui.status.textContent = text; }
  function showError(text) {
    ui.error.textContent = text;
    ui.error.hidden = false;
    clearTimeout(errorTimer);
    errorTimer = setTimeout(clearError, 8000);
  }
  function clearError() {
    clearTimeout(errorTimer);
    ui.error.textContent = "";
    ui.error.hidden = true;
  }

  // ---- connection ----
  // ANCHOR: connect
  function request(obj, meta) {
    if (!ws || ws.readyState !== WebSocket.OPEN) return false;
    const id = nextId++;
    obj.id = id;
    ws.send(JSON.stringify(obj));
    pending.set(id, Object.assign({ type: obj.type }, meta));
    return true;
  }

  function cancelReconnect() {
    clearTimeout(reconnectTimer);
    clearInterval(countdownTimer);
    reconnectTimer = countdownTimer = null;
  }

  function connect() {
    cancelReconnect();
    setStatus(`connecting as ${wanted}…`);
    let sock;
    try { sock = new WebSocket(WS_URL); } catch (e) { scheduleReconnect(CLOSES[1006]); return; }
    ws = sock;
    sock.onopen = () => {
      if (sock !== ws) return;
      request(token ? { type: "hello", token } : { type: "hello", username: wanted });
    };
    sock.onmessage = (ev) => {
      if (sock !== ws) return;
      let m;
      try { m = JSON.parse(ev.data); } catch (e) { return; }
      if (m && typeof m === "object") dispatch(m);
    };
    sock.onclose = (ev) => {
      if (sock !== ws) return;
      ws = null;
      closed(ev.code, ev.reason);
    };
  }
  // ANCHOR_END: connect

  // Forget the connection's state; the rooms and their last ids stay, to rejoin.
  function offline() {
    state.connected = false;
    document.body.classList.add("offline");
    pending.clear();
    joining.clear();
    clearInterval(roomsInterval);
    clearTimeout(roomsTimer);
    roomsInterval = roomsTimer = null;
  }

  function dropSocket() {
    const s = ws;
    ws = null;
    offline();
    if (s) { try { s.close(1000); } catch (e) { /* already closing */ } }
  }

  // ANCHOR: reconnect
  function closed(code, reason) {
    offline();
    if (code === 4501 || code === 4503) forgetToken(); // signed out or expired: no use any more
    const why = CLOSES[code] || reason || `The connection closed (code ${code}).`;
    if (code === 1001 || code === 1006 || (code >= 4000 && code <= 4499)) {
      scheduleReconnect(why);
    } else {
      setStatus(`disconnected: ${why}`);
      showError(why);
      ui.login.hidden = false;
      ui.username.value = wanted;
    }
  }

  // Exponential backoff with full jitter: random in [0, min(10 s, 500 ms * 2^attempt)).
  function scheduleReconnect(why) {
    cancelReconnect();
    const ceiling = Math.min(10000, 500 * 2 ** attempt);
    attempt++;
    const delay = Math.random() * ceiling;
    const until = Date.now() + delay;
    const tick = () => {
      const s = Math.max(1, Math.ceil((until - Date.now()) / 1000));
      setStatus(`reconnecting in ${s} s… (${why})`);
    };
    tick();
    countdownTimer = setInterval(tick, 250);
    reconnectTimer = setTimeout(connect, delay);
  }
  // ANCHOR_END: reconnect

  function requestRooms() {
    if (!state.connected || roomsTimer) return;
    const wait = Math.max(0, lastRoomsAt + 1000 - Date.now());
    roomsTimer = setTimeout(() => {
      roomsTimer = null;
      lastRoomsAt = Date.now();
      request({ type: "rooms" });
    }, wait);
  }

  function joinRequest(name, since, rejoin) {
    if (joining.has(name)) return;
    const msg = { type: "join", room: name };
    if (since != null) msg.since = since;
    if (request(msg, { room: name, rejoin })) joining.add(name);
  }

  // ---- incoming frames ----
  function dispatch(m) {
    // A message's id is the message's, not a request's.
    const req = m.type !== "message" && m.id != null ? pending.get(m.id) : undefined;
    if (req) pending.delete(m.id);
    switch (m.type) {
      case "welcome": return onWelcome(m);
      case "joined": return onJoined(m, req);
      case "history": return onHistory(m);
      case "message": return onMessage(m);
      case "left": return onLeft(m.room);
      case "presence": return onPresence(m);
      case "gap": return onGap(m);
      case "direct": return onDirect(m, req);
      case "rooms": allRooms = Array.isArray(m.rooms) ? m.rooms : []; return renderAllRooms();
      case "error": return onError(m, req);
      default: return undefined; // unknown types are ignored
    }
  }

  // ANCHOR: welcome
  function onWelcome(m) {
    const first = !resuming;
    state.username = m.username;
    ui.signOut.hidden = !token;
    state.connected = true;
    resuming = true;
    attempt = 0;
    document.body.classList.remove("offline");
    ui.login.hidden = true;
    ui.chat.hidden = false;
    setStatus(`connected as ${m.username}`);
    clearError();
    for (const room of rooms.values()) joinRequest(room.name, room.lastId, true);
    requestRooms();
    roomsInterval = setInterval(requestRooms, 10000);
    if (first) (state.current ? ui.text : ui.joinRoom).focus();
  }
  // ANCHOR_END: welcome

  // ANCHOR: joined
  function onJoined(m, req) {
    joining.delete(m.room);
    let room = rooms.get(m.room);
    const isNew = !room;
    if (isNew) {
      room = { name: m.room, nodes: [], lastId: null, members: [], unread: 0, more: true, loadingOlder: false };
      rooms.set(m.room, room);
    }
    room.loadingOlder = false; // a request lost with an old connection
    room.members = Array.isArray(m.members) ? m.members.slice().sort(byCode) : [];
    if (m.truncated) {
      appendNode(room, el("div", "notice",
        "Some messages may be missing here: the server no longer had all of those sent while you were away."));
    }
    for (const h of Array.isArray(m.history) ? m.history : []) addMessage(room, h, !isNew);
    if (!state.current || (isNew && !(req && req.rejoin))) showRoom(m.room);
    else if (m.room === state.current) renderMembers();
    renderJoined();
    requestRooms();
    clearError();
  }

  function addMessage(room, m, countUnread) {
    if (typeof m.id !== "number") return;
    if (room.lastId !== null && m.id <= room.lastId) return; // seen already
    room.lastId = m.id;
    appendNode(room, messageNode(m));
    if (countUnread && room.name !== state.current) {
      room.unread++;
      renderJoined();
    }
  }
  // ANCHOR_END: joined

  function messageNode(m) {
    const node = el("div", "message");
    node.dataset.id = String(m.id);
    if (sameName(m.username, state.username)) node.classList.add("mine");
    const user = el("span", "user", m.username);
    // Signed in: the name is the account's (a guest's messages have no `verified`).
    if (m.verified === true) user.append(el("span", "verified", "✓"));
    node.append(el("span", "time", fmtTime(m.timestamp)), user, el("div", "text", m.text));
    return node;
  }

  // ANCHOR: older
  // Scrollback: near the top of the pane (or when the pane is not full), ask for the messages
  // before the oldest one shown; the answer goes on top, and the reader's place stays put.
  function oldestShown(room) {
    const first = room.nodes.find((node) => node.dataset.id);
    return first ? Number(first.dataset.id) : null;
  }

  function loadOlder() {
    const room = rooms.get(state.current);
    if (!room || !room.more || room.loadingOlder) return;
    const msg = { type: "history", room: room.name, limit: OLDER_PAGE };
    const oldest = oldestShown(room);
    if (oldest !== null) msg.before = oldest;
    if (request(msg, { room: room.name })) room.loadingOlder = true;
  }

  function onHistory(m) {
    const room = rooms.get(m.room);
    if (!room) return;
    room.loadingOlder = false;
    room.more = m.more === true;
    const oldest = oldestShown(room);
    const nodes = (Array.isArray(m.messages) ? m.messages : [])
      .filter((h) => typeof h.id === "number" && (oldest === null || h.id < oldest))
      .map(messageNode);
    if (!room.more) nodes.unshift(el("div", "event", `The beginning of #${room.name}.`));
    room.nodes.unshift(...nodes);
    if (room.name !== state.current) return;
    const fromBottom = ui.messages.scrollHeight - ui.messages.scrollTop;
    ui.messages.prepend(...nodes);
    ui.messages.scrollTop = ui.messages.scrollHeight - fromBottom;
    fillPane();
  }

  // A pane without a scroll bar cannot be scrolled to its top: load until it has one.
  function fillPane() {
    if (ui.messages.scrollHeight <= ui.messages.clientHeight) loadOlder();
  }
  // ANCHOR_END: older

  function appendNode(room, node) {
    room.nodes.push(node);
    if (room.nodes.length > MAX_NODES) {
      room.nodes.shift().remove();
      room.more = true; // scrolling up can bring the dropped ones back
    }
    if (room.name !== state.current) return;
    const stick = nearBottom(ui.messages);
    ui.messages.append(node);
    if (stick) ui.messages.scrollTop = ui.messages.scrollHeight;
  }

  function onMessage(m) {
    const room = rooms.get(m.room);
    if (!room) return;
    addMessage(room, m, true);
    if (sameName(m.username, state.username)) {
      // Our own copy acknowledges our oldest unanswered send to that room.
      for (const [id, r] of pending) {
        if (r.type === "send" && r.room === m.room) { pending.delete(id); break; }
      }
      clearError();
    }
  }

  function onLeft(name) {
    joining.delete(name);
    if (!rooms.delete(name)) return;
    if (state.current === name) {
      const next = rooms.keys().next();
      if (next.done) clearRoom(); else showRoom(next.value);
    }
    renderJoined();
    requestRooms();
    clearError();
  }

  // Several servers sharing rooms through Redis: some messages of this room never reached us.
  function onGap(m) {
    const room = rooms.get(m.room);
    if (!room) return;
    appendNode(room, el("div", "notice",
      "Some messages are missing here: the server lost touch with the other servers for a while."));
  }

  function onPresence(m) {
    requestRooms();
    const room = rooms.get(m.room);
    if (!room || typeof m.username !== "string") return;
    const time = new Date().toLocaleTimeString();
    room.members = room.members.filter((u) => u !== m.username);
    if (m.event === "join") {
      room.members.push(m.username);
      room.members.sort(byCode);
      appendNode(room, el("div", "event", `${m.username} joined · ${time}`));
    } else if (m.event === "leave") {
      appendNode(room, el("div", "event", `${m.username} left · ${time}`));
    }
    if (room.name === state.current) renderMembers();
  }

  function onDirect(m, req) {
    const mine = Boolean(req) || sameName(m.from, state.username);
    const li = el("li", mine ? "direct mine" : "direct");
    li.append(el("span", "time", fmtTime(m.timestamp)), el("span", "who", `${m.from} → ${m.to}`),
      el("div", "text", m.text));
    const stick = nearBottom(ui.directs);
    ui.directs.append(li);
    while (ui.directs.children.length > MAX_DIRECTS) ui.directs.firstElementChild.remove();
    if (stick) ui.directs.scrollTop = ui.directs.scrollHeight;
    if (mine) clearError(); else ui.directsPane.classList.add("new");
  }

  // ANCHOR: on_error
  function onError(m, req) {
    const text = friendly(m.code, m.message);
    if (req && req.type === "hello") {
      dropSocket();
      if (token && m.code === "unavailable") {
        // The server could not check the token just now: keep it, and try again.
        scheduleReconnect(text);
        return;
      }
      if (token && m.code === "unauthorized") {
        forgetToken(); // expired or signed out elsewhere: sign in again
        resuming = false;
        setStatus("not connected");
        showError(`Your sign-in is no longer valid (${m.message}). Sign in again.`);
        ui.login.hidden = false;
        ui.password.focus();
        return;
      }
      if (resuming && m.code === "username_taken") {
        // Probably our own old connection, not yet noticed as gone by the server.
        scheduleReconnect("Your previous connection still holds the name.");
        return;
      }
      resuming = false;
      setStatus("not connected");
      showError(text);
      ui.login.hidden = false;
      ui.username.focus();
      ui.username.select();
      return;
    }
    if (req && req.type === "rooms") return; // background refresh; the next one will do
    if (req && req.type === "history") {
      const room = rooms.get(req.room);
      if (room) room.loadingOlder = false; // scrolling up again tries again
    }
    if (req && req.type === "join") {
      joining.delete(req.room);
      if (m.code === "already_joined") { if (rooms.has(req.room)) showRoom(req.room); return; }
      if (req.rejoin) {
        onLeft(req.room);
        showError(`Could not rejoin ${req.room}: ${text}`);
        return;
      }
    }
    if (req && req.type === "send" && !ui.text.value && state.current === req.room) ui.text.value = req.text;
    if (req && req.type === "direct" && !ui.directText.value) ui.directText.value = req.text;
    showError(text);
  }
  // ANCHOR_END: on_error

  // ---- rendering ----
  function showRoom(name) {
    const room = rooms.get(name);
    if (!room) return;
    state.current = name;
    room.unread = 0;
    ui.messages.replaceChildren(...room.nodes);
    ui.messages.scrollTop = ui.messages.scrollHeight;
    fillPane();
    ui.roomTitle.textContent = `#${name}`;
    renderJoined();
    renderMembers();
  }

  function clearRoom() {
    state.current = null;
    ui.messages.replaceChildren();
    ui.roomTitle.textContent = "No room";
    renderMembers();
  }

  function renderJoined() {
    const items = [];
    for (const room of rooms.values()) {
      const li = el("li");
      li.dataset.room = room.name;
      if (room.name === state.current) li.classList.add("current");
      if (room.unread) li.classList.add("unread");
      li.append(el("span", "name", room.name));
      if (room.unread) li.append(el("span", "badge", room.unread > 99 ? "99+" : room.unread));
      const b = el("button", "leave", "×");
      b.type = "button";
      b.title = "Leave this room";
      li.append(b);
      items.push(li);
    }
    ui.joinedRooms.replaceChildren(...items);
    renderAllRooms();
  }

  function renderAllRooms() {
    const items = allRooms.filter((r) => r && typeof r.name === "string").map((r) => {
      const li = el("li", rooms.has(r.name) ? "joined" : "");
      li.dataset.room = r.name;
      li.append(el("span", "name", r.name), el("span", "count", r.members));
      return li;
    });
    if (!items.length) items.push(el("li", "empty", "No rooms yet: create one by joining it."));
    ui.allRooms.replaceChildren(...items);
  }

  function renderMembers() {
    const room = state.current && rooms.get(state.current);
    ui.members.replaceChildren(...(room ? room.members : []).map((u) => {
      const li = el("li", sameName(u, state.username) ? "me" : "", u);
      li.dataset.user = u;
      return li;
    }));
  }

  // ---- user actions ----
  function joinRoom(name) {
    if (!name) return;
    if (rooms.has(name)) showRoom(name);
    else if (!state.connected) showError("Not connected right now; try again once connected.");
    else joinRequest(name, null, false);
  }

  function leaveRoom(name) {
    if (state.connected) request({ type: "leave", room: name });
    else onLeft(name); // the server dropped us from every room already
  }

  function sendMessage() {
    const text = ui.text.value;
    if (!text.trim()) return;
    if (!state.current) { showError("Join a room first."); return; }
    if ([...text].length > 2000) { showError(ERRORS.text_too_long); return; }
    if (!state.connected) { showError("Not connected right now; your message is kept until you can send it."); return; }
    if (request({ type: "send", room: state.current, text }, { room: state.current, text })) ui.text.value = "";
  }

  function sendDirect() {
    const to = ui.directTo.value.trim();
    const text = ui.directText.value;
    if (!to) { showError("Who is it for? Type a username."); ui.directTo.focus(); return; }
    if (!text.trim()) return;
    if ([...text].length > 2000) { showError(ERRORS.text_too_long); return; }
    if (!state.connected) { showError("Not connected right now; your message is kept until you can send it."); return; }
    if (request({ type: "direct", to, text }, { to, text })) ui.directText.value = "";
  }

  // ANCHOR: accounts
  // Accounts: /api/register and /api/login, JSON both ways; the password goes in the body of
  // one request and is cleared from the form at once.
  async function api(path, body, bearer) {
    const headers = { "Content-Type": "application/json" };
    if (bearer) headers.Authorization = `Bearer ${bearer}`;
    try {
      const response = await fetch(path, { method: "POST", headers, body: JSON.stringify(body) });
      let answer = {};
      try { answer = await response.json(); } catch (e) { /* 204: no body */ }
      return { status: response.status, answer };
    } catch (e) {
      return { status: 0, answer: { message: "The server could not be reached." } };
    }
  }

  function keepToken(value, name, remember) {
    forgetToken();
    token = value;
    const storage = remember ? localStorage : sessionStorage;
    storage.setItem("chatToken", value);
    storage.setItem("chatName", name);
  }

  function forgetToken() {
    token = null;
    for (const storage of [sessionStorage, localStorage]) {
      storage.removeItem("chatToken");
      storage.removeItem("chatName");
    }
  }

  async function signIn(register) {
    const username = ui.username.value.trim();
    const password = ui.password.value;
    ui.password.value = "";
    if (!username || !password) { showError("Type a username and a password."); return; }
    if (register) {
      const made = await api("/api/register", { username, password });
      if (made.status !== 201) { showError(made.answer.message || `Could not register (${made.status}).`); return; }
    }
    const signed = await api("/api/login", { username, password });
    if (signed.status !== 200 || typeof signed.answer.token !== "string") {
      showError(signed.answer.message || `Could not sign in (${signed.status}).`);
      return;
    }
    keepToken(signed.answer.token, signed.answer.username, ui.remember.checked);
    wanted = signed.answer.username;
    resuming = false;
    attempt = 0;
    dropSocket();
    connect();
  }

  async function signOut() {
    const old = token;
    const done = old ? await api("/api/logout", {}, old) : { status: 204 };
    if (done.status !== 204 && done.status !== 401) {
      // Not revoked (401: it was no longer good anyway): say so, and keep the token, so that
      // signing out can be tried again rather than leave a good token behind unknowingly.
      showError(`Could not sign out: ${done.answer.message || `the server answered ${done.status}`}`);
      return;
    }
    forgetToken();
    // A fresh page: no rooms, no messages of the account left on screen.
    location.reload();
  }
  // ANCHOR_END: accounts

  ui.signIn.addEventListener("click", () => signIn(false));
  ui.signUp.addEventListener("click", () => signIn(true));
  ui.signOut.addEventListener("click", () => signOut());
  ui.password.addEventListener("keydown", (e) => {
    if (e.key === "Enter") { e.preventDefault(); signIn(false); }
  });

  ui.login.addEventListener("submit", (e) => {
    e.preventDefault();
    const name = ui.username.value.trim();
    if (!name) { showError(ERRORS.invalid_username); return; }
    ui.password.value = "";
    forgetToken(); // a guest, whoever signed in on this page before
    wanted = name;
    resuming = false;
    attempt = 0;
    dropSocket();
    connect();
  });
  ui.join.addEventListener("submit", (e) => {
    e.preventDefault();
    joinRoom(ui.joinRoom.value.trim());
    ui.joinRoom.value = "";
  });
  ui.send.addEventListener("submit", (e) => { e.preventDefault(); sendMessage(); });
  ui.text.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); sendMessage(); }
  });
  ui.direct.addEventListener("submit", (e) => { e.preventDefault(); sendDirect(); });
  ui.messages.addEventListener("scroll", () => { if (ui.messages.scrollTop < 48) loadOlder(); });
  ui.joinedRooms.addEventListener("click", (e) => {
    const li = e.target.closest("li[data-room]");
    if (!li) return;
    if (e.target.closest(".leave")) leaveRoom(li.dataset.room);
    else showRoom(li.dataset.room);
  });
  ui.allRooms.addEventListener("click", (e) => {
    const li = e.target.closest("li[data-room]");
    if (li) joinRoom(li.dataset.room);
  });
  ui.members.addEventListener("click", (e) => {
    const li = e.target.closest("li[data-user]");
    if (!li || sameName(li.dataset.user, state.username)) return;
    ui.directTo.value = li.dataset.user;
    ui.directText.focus();
  });
  const seenDirects = () => ui.directsPane.classList.remove("new");
  ui.directsPane.addEventListener("pointerdown", seenDirects);
  ui.directsPane.addEventListener("focusin", seenDirects);
  window.addEventListener("online", () => { if (reconnectTimer) connect(); });

  // Signed in before (this tab, or "remember me"): connect straight away.
  if (token) {
    wanted = sessionStorage.getItem("chatName") || localStorage.getItem("chatName") || "";
    ui.login.hidden = true;
    connect();
  }
})();
