'use strict';

(function () {
  const WEBHOOK = '/chat/webhook';
  const TIMEOUT_MS = 30000;
  const MAX_SAVED = 200;
  const KEY = { sender: 'mbr.sender', role: 'mbr.role', items: 'mbr.conversation' };
  const PHONES = ['110', '96110', '12348', '12345', '12315'];
  const ERROR_TEXT = '连不上服务器，请检查网络后点“重新发送”。';
  const NO_REPLY = '（没有收到回答，请换个说法再问一次。）';
  const NUMBERED = /^\s*(\d{1,2})(?:[.．]\s+|、\s*)(\S.*)$/;
  const SECTION = /^(【[^】]*】)(.*)$/;

  const messagesEl = document.getElementById('messages');
  const input = document.getElementById('message');
  const roleToggle = document.getElementById('role-toggle');

  let sender = '';
  let items = []; // the conversation as data: {from: 'user', text, failed?} | {from: 'bot', texts, custom?, feedback?}
  let generation = 0; // bumped by 重新开始 so late replies of the old conversation are dropped
  let queue = Promise.resolve(); // one request at a time keeps replies in order
  let inflight = null;
  let composing = false;
  let typingEl = null;
  let speakingButton = null;
  const userEls = new WeakMap();
  const errorEls = new WeakMap();

  // ---- storage (localStorage may be missing or full, e.g. in private mode) ----

  function load(key) {
    try { return localStorage.getItem(key); } catch (e) { return null; }
  }

  function store(key, value) {
    try { localStorage.setItem(key, value); return true; } catch (e) { return false; }
  }

  function forget(key) {
    try { localStorage.removeItem(key); } catch (e) { /* nothing to do */ }
  }

  function saveItems() {
    let saved = items.slice(-MAX_SAVED);
    while (saved.length && !store(KEY.items, JSON.stringify(saved))) {
      saved = saved.slice(Math.ceil(saved.length / 2));
    }
  }

  function isItem(x) {
    return !!x && ((x.from === 'user' && typeof x.text === 'string') ||
      (x.from === 'bot' && Array.isArray(x.texts)));
  }

  function loadItems() {
    try {
      const data = JSON.parse(load(KEY.items) || '[]');
      return Array.isArray(data) ? data.filter(isItem) : [];
    } catch (e) {
      return [];
    }
  }

  function newSenderId() {
    const bytes = new Uint8Array(12);
    if (window.crypto && crypto.getRandomValues) {
      crypto.getRandomValues(bytes);
    } else {
      for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(Math.random() * 256);
    }
    return 'web-' + Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  }

  // ---- role ----

  function initRole() {
    const param = new URLSearchParams(location.search).get('role');
    if (param === 'understander' || param === 'villager') store(KEY.role, param);
    roleToggle.checked = load(KEY.role) === 'understander';
    roleToggle.addEventListener('change', () => store(KEY.role, currentRole()));
  }

  function currentRole() {
    return roleToggle.checked ? 'understander' : 'villager';
  }

  // ---- DOM helpers: all data goes in through textContent / text nodes ----

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text != null) node.textContent = text;
    return node;
  }

  function button(className, label, onClick) {
    const b = el('button', className, label);
    b.type = 'button';
    b.addEventListener('click', onClick);
    return b;
  }

  // Splits on whole digit runs (no lookbehind: old WeChat browsers lack it), so 96110 never yields a 110 link.
  function appendLinked(parent, text) {
    text.split(/(\d+)/).forEach((part, i) => {
      if (!part) return;
      if (i % 2 === 1 && PHONES.indexOf(part) >= 0) {
        const a = el('a', 'tel', part);
        a.href = 'tel:' + part;
        parent.appendChild(a);
      } else {
        parent.appendChild(document.createTextNode(part));
      }
    });
  }

  function appendText(parent, text) {
    const box = el('div', 'text');
    text.split('\n').forEach((line, i) => {
      if (i) box.appendChild(document.createTextNode('\n'));
      const m = SECTION.exec(line);
      if (m) {
        box.appendChild(el('strong', null, m[1]));
        line = m[2];
      }
      appendLinked(box, line);
    });
    parent.appendChild(box);
  }

  // Numbered lines ("1. xxx") become buttons in place; the text around them stays text.
  function appendBody(bubble, text, withOptions) {
    if (!withOptions) {
      appendText(bubble, text);
      return;
    }
    let lines = [];
    let options = null;
    const flush = () => {
      const chunk = lines.join('\n').replace(/^\n+|\n+$/g, '');
      if (chunk) appendText(bubble, chunk);
      lines = [];
    };
    text.split('\n').forEach((line) => {
      const m = NUMBERED.exec(line);
      if (!m) {
        options = null;
        lines.push(line);
        return;
      }
      flush();
      if (!options) options = bubble.appendChild(el('div', 'options'));
      const b = button('option', line.trim(), () => send(m[1]));
      b.dataset.number = m[1];
      options.appendChild(b);
    });
    flush();
  }

  // ---- rendering ----

  function renderUser(item) {
    const bubble = el('div', 'msg user');
    bubble.appendChild(el('div', 'text', item.text));
    messagesEl.appendChild(bubble);
    userEls.set(item, bubble);
    if (item.failed) showError(item);
    return bubble;
  }

  function renderBot(turn) {
    const custom = turn.custom || {};
    const outcome = custom.outcome;
    const isAnswer = outcome === 'answered' || outcome === 'emergency';
    const entry = isAnswer && custom.entry && typeof custom.entry === 'object' ? custom.entry : null;
    let texts = turn.texts.map(String);
    if (!texts.length) texts = [entry && entry.answer ? String(entry.answer) : NO_REPLY];

    let first = null;
    let bubble = null;
    texts.forEach((text) => {
      bubble = el('div', outcome === 'emergency' ? 'msg bot emergency' : 'msg bot');
      if (outcome === 'emergency') {
        const icon = bubble.appendChild(el('span', 'icon', '⚠️'));
        icon.setAttribute('aria-label', '紧急');
      }
      appendBody(bubble, text, !isAnswer);
      messagesEl.appendChild(bubble);
      first = first || bubble;
    });
    appendAnswerExtras(bubble, turn, entry, outcome === 'answered');
    return first;
  }

  function appendAnswerExtras(bubble, turn, entry, withFeedback) {
    const basis = entry ? basisSection(entry.citations) : null;
    if (basis) bubble.appendChild(basis);
    const actions = el('div', 'actions');
    if (entry && entry.answer) {
      const speak = speakButton(String(entry.answer));
      if (speak) actions.appendChild(speak);
    }
    if (withFeedback) appendFeedback(actions, turn);
    if (actions.firstChild) bubble.appendChild(actions);
  }

  function basisSection(citations) {
    if (!Array.isArray(citations) || !citations.length) return null;
    const details = el('details', 'basis');
    details.appendChild(el('summary', null, '法律依据（点开看条文）'));
    citations.forEach((c) => {
      if (!c) return;
      const item = el('div', 'citation');
      item.appendChild(el('strong', null, String(typeof c === 'string' ? c : c.label || '')));
      if (c.text) item.appendChild(el('p', null, String(c.text)));
      details.appendChild(item);
    });
    return details;
  }

  function appendFeedback(actions, turn) {
    const thanks = el('span', 'thanks', '谢谢反馈');
    const buttons = ['有用', '没用'].map((value) => {
      const b = button('feedback', value, () => {
        if (turn.feedback) return;
        turn.feedback = value;
        done();
        send(value);
      });
      b.dataset.value = value;
      return actions.appendChild(b);
    });
    actions.appendChild(thanks);
    function done() {
      buttons.forEach((b) => { b.disabled = true; });
      thanks.hidden = false;
    }
    thanks.hidden = true;
    if (turn.feedback) done();
  }

  function renderAll() {
    messagesEl.textContent = '';
    items.forEach((item) => (item.from === 'user' ? renderUser(item) : renderBot(item)));
  }

  function scrollToBottom() {
    window.scrollTo(0, document.documentElement.scrollHeight);
  }

  // Long answers: show their beginning rather than their end.
  function scrollToReply(first) {
    scrollToBottom();
    if (first && first.getBoundingClientRect().top < 0) first.scrollIntoView(true);
  }

  // ---- speech ----

  function synth() {
    return window.speechSynthesis && typeof window.SpeechSynthesisUtterance === 'function'
      ? window.speechSynthesis : null;
  }

  function zhVoice() {
    const s = synth();
    const voices = (s && s.getVoices()) || [];
    const zh = Array.prototype.filter.call(voices, (v) => /^zh/i.test(v.lang || ''));
    return zh.find((v) => /CN|Hans/i.test(v.lang)) || zh[0] || null;
  }

  function speakButton(text) {
    if (!synth()) return null;
    const b = button('speak', '🔊 朗读', () => speak(text, b));
    b.hidden = !zhVoice();
    return b;
  }

  function refreshSpeakButtons() {
    const hidden = !zhVoice();
    document.querySelectorAll('.speak').forEach((b) => { b.hidden = hidden; });
  }

  function speak(text, b) {
    const again = speakingButton === b;
    stopSpeaking();
    const voice = zhVoice();
    if (again || !voice) return;
    const u = new SpeechSynthesisUtterance(text);
    try { u.voice = voice; } catch (e) { /* not a real SpeechSynthesisVoice; lang still applies */ }
    u.lang = voice.lang;
    u.rate = 0.9;
    u.onend = u.onerror = () => { if (speakingButton === b) stopSpeaking(); };
    speakingButton = b;
    b.textContent = '⏹ 停止朗读';
    synth().speak(u);
  }

  function stopSpeaking() {
    if (speakingButton) speakingButton.textContent = '🔊 朗读';
    speakingButton = null;
    if (synth()) synth().cancel();
  }

  function initSpeech() {
    const s = synth();
    if (!s) return;
    if (s.addEventListener) s.addEventListener('voiceschanged', refreshSpeakButtons);
    else s.onvoiceschanged = refreshSpeakButtons;
  }

  // ---- talking to the server ----

  function showTyping() {
    hideTyping();
    typingEl = el('div', 'typing', '正在查找，请稍等');
    typingEl.setAttribute('role', 'status');
    for (let i = 0; i < 3; i++) typingEl.appendChild(el('span', 'dot', '.'));
    messagesEl.appendChild(typingEl);
    scrollToBottom();
  }

  function hideTyping() {
    if (typingEl && typingEl.parentNode) typingEl.parentNode.removeChild(typingEl);
    typingEl = null;
  }

  function showError(item) {
    clearError(item);
    const box = el('div', 'error');
    box.setAttribute('role', 'alert');
    box.appendChild(el('p', null, ERROR_TEXT));
    box.appendChild(button('resend', '重新发送', () => {
      clearError(item);
      deliver(item);
    }));
    const bubble = userEls.get(item);
    if (bubble && bubble.parentNode === messagesEl) messagesEl.insertBefore(box, bubble.nextSibling);
    else messagesEl.appendChild(box);
    errorEls.set(item, box);
  }

  function clearError(item) {
    const box = errorEls.get(item);
    if (box && box.parentNode) box.parentNode.removeChild(box);
    errorEls.delete(item);
  }

  async function post(text) {
    const controller = typeof AbortController === 'function' ? new AbortController() : null;
    let timer = 0;
    const timeout = new Promise((resolve, reject) => {
      timer = setTimeout(() => {
        if (controller) controller.abort();
        reject(new Error('timeout'));
      }, TIMEOUT_MS);
    });
    inflight = controller;
    try {
      const res = await Promise.race([fetch(WEBHOOK, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ sender: sender, message: text, metadata: { role: currentRole() } }),
        signal: controller ? controller.signal : undefined,
      }), timeout]);
      if (!res.ok) throw new Error('HTTP ' + res.status);
      const data = await res.json();
      if (!Array.isArray(data)) throw new Error('unexpected reply');
      return data;
    } finally {
      clearTimeout(timer);
      if (inflight === controller) inflight = null;
    }
  }

  function toTurn(reply) {
    const turn = { from: 'bot', texts: [] };
    reply.forEach((m) => {
      if (!m || typeof m !== 'object') return;
      if (typeof m.text === 'string' && m.text) turn.texts.push(m.text);
      if (m.custom && typeof m.custom === 'object' && 'outcome' in m.custom) turn.custom = m.custom;
    });
    return turn;
  }

  async function exchange(item, gen) {
    showTyping();
    try {
      const reply = await post(item.text);
      if (gen !== generation) return;
      delete item.failed;
      const turn = toTurn(reply);
      items.push(turn);
      saveItems();
      hideTyping();
      scrollToReply(renderBot(turn));
    } catch (err) {
      if (gen !== generation) return;
      item.failed = true;
      saveItems();
      hideTyping();
      showError(item);
      errorEls.get(item).scrollIntoView(false);
    } finally {
      if (gen === generation) hideTyping();
    }
  }

  function deliver(item) {
    const gen = generation;
    const task = () => (gen === generation ? exchange(item, gen) : null);
    queue = queue.then(task, task);
  }

  function send(raw) {
    const text = String(raw == null ? '' : raw).trim();
    if (!text) return false;
    const item = { from: 'user', text: text };
    items.push(item);
    saveItems();
    renderUser(item);
    scrollToBottom();
    deliver(item);
    return true;
  }

  function sendFromInput() {
    if (send(input.value)) input.value = '';
    input.focus();
  }

  function restart() {
    generation++;
    if (inflight) inflight.abort();
    stopSpeaking();
    hideTyping();
    items = [];
    forget(KEY.items);
    sender = newSenderId();
    store(KEY.sender, sender);
    messagesEl.textContent = '';
    window.scrollTo(0, 0);
  }

  // ---- wiring ----

  function initInput() {
    input.addEventListener('compositionstart', () => { composing = true; });
    input.addEventListener('compositionend', () => { composing = false; });
    input.addEventListener('keydown', (e) => {
      if ((e.key !== 'Enter' && e.keyCode !== 13) || e.shiftKey) return;
      // Enter that picks an IME candidate must not send; Safari ends the composition
      // before this keydown, but still reports keyCode 229 for it.
      if (composing || e.isComposing || e.keyCode === 229) return;
      e.preventDefault();
      sendFromInput();
    });
    document.getElementById('send').addEventListener('click', sendFromInput);
    document.getElementById('restart').addEventListener('click', restart);
    document.querySelectorAll('.topic, .example').forEach((b) => {
      b.addEventListener('click', () => send(b.dataset.text || b.textContent));
    });
  }

  function init() {
    sender = load(KEY.sender) || '';
    if (!/^web-[0-9a-f]+$/.test(sender)) {
      sender = newSenderId();
      store(KEY.sender, sender);
    }
    initRole();
    initSpeech();
    initInput();
    items = loadItems();
    renderAll();
    if (items.length) scrollToBottom();
  }

  init();
})();
