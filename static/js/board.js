// The dispatcher's board: fetch the answers, the counts and the messages' counts every few seconds and redraw them,
// without a full reload.
// When the alert itself changes (verified, cleared, closed, expired, escalated, handed over, updated) the page reloads
// once to show it.
(function () {
  "use strict";
  var list = document.getElementById("board-answers");
  if (!list || list.dataset.open !== "1") { return; }
  var status = document.getElementById("board-status");
  var events = document.getElementById("board-events");
  var holder = document.getElementById("board-holder");
  var waiting = document.getElementById("board-waiting");
  var shownStatus = list.dataset.status;
  var etaText = list.dataset.eta;
  var empty = list.querySelector("[data-empty]");
  var waitingEmpty = waiting ? waiting.querySelector("[data-empty]") : null;

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text) { node.textContent = text; }
    return node;
  }

  function row(answer) {
    var item = element("li", "card answer-" + answer.answer);
    item.appendChild(element("strong", "", answer.name));
    var text = ": " + answer.label;
    if (answer.arrives) { text += " · " + etaText.replace("%(minutes)s", answer.eta).replace("%(time)s", answer.arrives); }
    item.appendChild(document.createTextNode(text + " "));
    item.appendChild(element("span", "meta", answer.ago));
    return item;
  }

  function person(entry) {
    var item = element("li", "card");
    item.appendChild(element("strong", "", entry.name));
    if (entry.tel) {
      item.appendChild(document.createTextNode(" " + entry.phone + " "));
      var call = element("a", "button", waiting.dataset.call);
      call.href = entry.tel;
      item.appendChild(call);
      item.appendChild(document.createTextNode(" "));
      var text = element("a", "button", waiting.dataset.text);
      text.href = entry.sms;
      item.appendChild(text);
    }
    return item;
  }

  function changed(data) {
    return data.status !== shownStatus ||
      (events && String(data.events.length) !== events.dataset.count) ||
      (holder && (data.held_by || "") !== holder.dataset.holder);
  }

  function refresh() {
    fetch(list.dataset.url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      })
      .then(function (data) {
        if (changed(data)) { window.location.reload(); return; }
        status.textContent = data.status_label;
        Object.keys(data.delivery).forEach(function (channel) {
          var cells = document.querySelectorAll("#board-delivery [data-channel='" + channel + "'] [data-state]");
          cells.forEach(function (cell) { cell.textContent = data.delivery[channel][cell.dataset.state]; });
        });
        document.querySelectorAll("#board-counts [data-count]").forEach(function (cell) {
          cell.textContent = data.counts[cell.dataset.count];
        });
        if (data.answers.length) {
          list.replaceChildren.apply(list, data.answers.map(row));
        } else if (empty) {
          list.replaceChildren(empty);
        }
        if (waiting) {
          if (data.waiting.length) {
            waiting.replaceChildren.apply(waiting, data.waiting.map(person));
          } else if (waitingEmpty) {
            waiting.replaceChildren(waitingEmpty);
          }
        }
        window.setTimeout(refresh, 4000);
      })
      .catch(function () { window.setTimeout(refresh, 8000); });
  }
  window.setTimeout(refresh, 4000);
})();
