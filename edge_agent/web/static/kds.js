// A station's screen: woken by the agent's Server-Sent Events when a ticket arrives (with a
// sound, once a cook has touched the screen: browsers play no sound before that), polling
// every 10 s as well; the cook's name is remembered on this screen. The list's requests run one
// at a time (hx-sync on #tickets), so a refresh begun before a tap cannot paint over its answer,
// and every button has an id, so htmx gives the focus back to it after a swap (keyboard use).
// Taps and bumps are sent by one listener on the list, as requests of the list itself: a tap
// queued behind a refresh would be dropped by htmx if it belonged to the button that refresh
// replaces (a cook's tap lost under load), while the list stays.
(function () {
  "use strict";
  const list = document.getElementById("tickets");
  const station = list.dataset.station;
  const link = document.getElementById("link");
  const cook = document.getElementById("operator");
  const key = "kds-operator-" + station;
  cook.value = localStorage.getItem(key) || "";
  cook.addEventListener("change", () => localStorage.setItem(key, cook.value.trim()));
  let audio = null;
  document.addEventListener("pointerdown", () => {
    audio = audio || new (window.AudioContext || window.webkitAudioContext)();
    audio.resume();
  });
  function beep() {
    if (!audio || audio.state !== "running") return;
    const start = audio.currentTime;
    [880, 1320].forEach((hz, i) => {
      const tone = audio.createOscillator();
      const gain = audio.createGain();
      tone.frequency.value = hz;
      gain.gain.setValueAtTime(0.4, start + i * 0.18);
      gain.gain.exponentialRampToValueAtTime(0.001, start + i * 0.18 + 0.15);
      tone.connect(gain).connect(audio.destination);
      tone.start(start + i * 0.18);
      tone.stop(start + i * 0.18 + 0.16);
    });
  }
  function cue() {
    document.body.dataset.cues = String(Number(document.body.dataset.cues || 0) + 1);
    list.classList.add("arrived");
    setTimeout(() => list.classList.remove("arrived"), 1500);
    beep();
  }
  list.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-action]");
    if (!button || !list.contains(button)) return;
    const values = { ticket: button.closest("[data-ticket]").dataset.ticket, operator: cook.value.trim() };
    const step = button.closest("[data-step]");
    if (step) values.step = step.dataset.step;
    const url = "/kds/" + encodeURIComponent(station) + "/" + button.dataset.action;
    htmx.ajax("POST", url, { source: list, target: list, values: values });
  });
  const refresh = () => htmx.trigger(list, "refresh");
  const events = new EventSource("/kds/" + encodeURIComponent(station) + "/events");
  events.addEventListener("hello", () => {
    link.textContent = link.dataset.live;
    link.classList.add("up");
    refresh(); // whatever came while this screen or the agent was away
  });
  events.addEventListener("ticket", () => { refresh(); cue(); });
  events.addEventListener("changed", refresh);
  events.onerror = () => {
    link.textContent = link.dataset.offline;
    link.classList.remove("up");
  };
})();
