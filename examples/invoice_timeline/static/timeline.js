// The invoice's email timeline: read with a client token scoped to this invoice, updated live.
(function () {
  "use strict";

  var EMAIL = "fragment Email on OutboundEmail { id subject status deliveryStatus createdAt " +
    "recipients { address role deliveryState statusCode diagnostic reason permanence } " +
    "bounceDetails { bouncedRecipients { email statusCode diagnostic } } }";
  var LIST = "query InvoiceEmails($invoice: UUID!) { outboundEmails(first: 50, " +
    "filter: {contextType: \"invoice\", contextId: $invoice}) { edges { node { ...Email } } } } " + EMAIL;
  var UPDATES = "subscription InvoiceUpdates($invoice: UUID!, $since: String) { outboundEmailUpdates(" +
    "since: $since, filter: {contextType: \"invoice\", contextId: $invoice}) { kind event cursor emailId " +
    "outboundEmail { ...Email } } } " + EMAIL;
  var SEND = "mutation SendInvoice($input: SendEmailInput!) { sendEmail(input: $input) { __typename " +
    "... on EmailQueued { outboundEmail { ...Email } } ... on MutationError { code message } } } " + EMAIL;

  var session = null;
  var emails = {};
  var cursor = null;
  var live = null;

  function $(id) { return document.getElementById(id); }

  async function newSession() {
    var response = await fetch("/session", { method: "POST" });
    if (!response.ok) throw new Error("the backend gave no token (" + response.status + ")");
    session = await response.json();
    $("invoice").textContent = session.invoice;
  }

  async function graphql(query, variables) {
    var response = await fetch(session.api + "/graphql", {
      method: "POST",
      headers: { "Content-Type": "application/json", "Authorization": "Bearer " + session.token },
      body: JSON.stringify({ query: query, variables: variables }),
    });
    var body = await response.json();
    if (body.errors) throw new Error(body.errors[0].message);
    return body.data;
  }

  function recipientItem(recipient) {
    // One recipient with its own delivery state; a bounce shows its code, reason and the server's words.
    var item = document.createElement("li");
    var state = recipient.deliveryState ? recipient.deliveryState.toLowerCase().replace("_", " ") : "not sent yet";
    item.textContent = recipient.address + " — " + state;
    item.dataset.state = recipient.deliveryState || "";
    if (recipient.deliveryState === "BOUNCED") {
      item.className = "bounced";
      item.dataset.bounced = "true";
      var details = [recipient.statusCode, recipient.reason, recipient.permanence && recipient.permanence.toLowerCase()];
      item.textContent += " (" + details.filter(Boolean).join(", ") + ")";
      if (recipient.diagnostic) {
        var why = document.createElement("span");
        why.className = "diagnostic";
        why.textContent = recipient.diagnostic;
        item.appendChild(why);
      }
    }
    return item;
  }

  function render() {
    var body = $("emails");
    body.textContent = "";
    var rows = Object.values(emails).sort(function (a, b) { return a.createdAt < b.createdAt ? 1 : -1; });
    if (!rows.length) {
      body.innerHTML = "<tr><td colspan=\"5\" class=\"muted\">No email for this invoice yet.</td></tr>";
      return;
    }
    rows.forEach(function (email) {
      var row = document.createElement("tr");
      row.dataset.id = email.id;
      row.dataset.status = email.status;
      row.dataset.delivery = email.deliveryStatus || "";
      var cells = [new Date(email.createdAt).toLocaleTimeString(), email.subject, email.status,
        email.deliveryStatus ? email.deliveryStatus.replace("_", " ") : "—"];
      cells.forEach(function (text, i) {
        var cell = document.createElement("td");
        cell.textContent = text;
        if (i === 2) cell.className = "status status-" + email.status;
        row.appendChild(cell);
      });
      var list = document.createElement("ul");
      list.className = "recipients";
      email.recipients.forEach(function (recipient) { list.appendChild(recipientItem(recipient)); });
      var recipients = document.createElement("td");
      recipients.appendChild(list);
      row.appendChild(recipients);
      body.appendChild(row);
    });
  }

  function subscribe() {
    var url = session.api.replace(/^http/, "ws") + "/graphql";
    live = GraphQLWsLite.connect(url, { Authorization: "Bearer " + session.token }, {
      onOpen: function () { $("connection").textContent = "Live: updates arrive as they happen."; },
      onClose: function (code) { $("connection").textContent = "Disconnected (" + code + ")."; },
    });
    live.subscribe(UPDATES, { invoice: session.invoice, since: cursor }, {
      next: function (payload) {
        if (payload.errors) return expired(payload.errors);
        var update = payload.data.outboundEmailUpdates;
        cursor = update.cursor;
        if (update.outboundEmail) emails[update.emailId] = update.outboundEmail;
        else delete emails[update.emailId];
        render();
      },
      error: expired,
      complete: function () {},
    });
  }

  // A client token lives 15 minutes: when the subscription ends with TOKEN_EXPIRED, ask the backend
  // for a new one and resubscribe from the last cursor (no update is lost or repeated).
  async function expired(errors) {
    var code = errors && errors[0] && errors[0].extensions && errors[0].extensions.code;
    $("connection").textContent = "Subscription ended: " + (code || "error") + ".";
    if (code !== "TOKEN_EXPIRED") return;
    live.close();
    await newSession();
    subscribe();
  }

  async function send() {
    $("send").disabled = true;
    $("send-result").textContent = "Sending…";
    try {
      var to = $("recipients").value.split(",").map(function (s) { return s.trim(); }).filter(Boolean);
      var data = await graphql(SEND, { input: {
        accountId: session.accountId, to: to, subject: "Invoice " + session.invoice.slice(0, 8),
        bodyText: "Please find your invoice attached.", contextType: "invoice", contextId: session.invoice,
      } });
      var result = data.sendEmail;
      if (result.__typename === "EmailQueued") {
        emails[result.outboundEmail.id] = result.outboundEmail;
        $("send-result").textContent = "Queued.";
        render();
      } else {
        $("send-result").textContent = result.code + ": " + result.message;
      }
    } catch (error) {
      $("send-result").textContent = String(error);
    } finally {
      $("send").disabled = false;
    }
  }

  async function start() {
    try {
      await newSession();
      subscribe();
      var data = await graphql(LIST, { invoice: session.invoice });
      data.outboundEmails.edges.forEach(function (edge) {
        if (!emails[edge.node.id]) emails[edge.node.id] = edge.node;
      });
      render();
      $("send").disabled = false;
      $("send").onclick = send;
    } catch (error) {
      $("connection").textContent = "Could not load: " + error;
    }
  }

  start();
})();
