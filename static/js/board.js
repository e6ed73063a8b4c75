// The dispatcher's board: fetch the answers and the messages' counts every few seconds and redraw them, without a
// full reload.
// When the alert itself changes (verified, cleared, closed, expired) the page reloads once to show it.
(function () {
  "use strict";
  var list = document.getElementById("board-answers");
  if (!list || list.dataset.open !== "1") { return; }
  var status = document.getElementById("board-status");
  var shownStatus = list.dataset.status;
  var etaText = list.dataset.eta;
  var empty = list.querySelector("[data-empty]");

  function row(answer) {
    var item = document.createElement("li");
    item.className = "card answer-" + answer.answer;
    var name = document.createElement("strong");
    name.textContent = answer.name;
    item.appendChild(name);
    var text = ": " + answer.label;
    if (answer.eta !== null) { text += " · " + etaText.replace("%(minutes)s", answer.eta); }
    item.appendChild(document.createTextNode(text + " "));
    var when = document.createElement("span");
    when.className = "meta";
    when.textContent = answer.at;
    item.appendChild(when);
    return item;
  }

  function refresh() {
    fetch(list.dataset.url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      })
      .then(function (data) {
        if (data.status !== shownStatus) { window.location.reload(); return; }
        status.textContent = data.status_label;
        Object.keys(data.delivery).forEach(function (channel) {
          var cells = document.querySelectorAll("#board-delivery [data-channel='" + channel + "'] [data-state]");
          cells.forEach(function (cell) { cell.textContent = data.delivery[channel][cell.dataset.state]; });
        });
        if (data.answers.length) {
          list.replaceChildren.apply(list, data.answers.map(row));
        } else if (empty) {
          list.replaceChildren(empty);
        }
        window.setTimeout(refresh, 4000);
      })
      .catch(function () { window.setTimeout(refresh, 8000); });
  }
  window.setTimeout(refresh, 4000);
})();
