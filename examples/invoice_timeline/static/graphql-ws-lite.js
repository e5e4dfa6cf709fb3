// A minimal graphql-transport-ws client (the protocol of the graphql-ws library:
// https://github.com/enisdenjo/graphql-ws/blob/master/PROTOCOL.md), enough for one page:
// connection_init with the token, subscribe, next / error / complete. No build step, no CDN.
(function (global) {
  "use strict";

  function connect(url, payload, handlers) {
    var socket = new WebSocket(url, "graphql-transport-ws");
    var nextId = 0;
    var sinks = {};
    var ready = false;
    var queued = [];

    function send(message) {
      if (ready) socket.send(JSON.stringify(message)); else queued.push(message);
    }
    socket.onopen = function () {
      socket.send(JSON.stringify({ type: "connection_init", payload: payload }));
    };
    socket.onmessage = function (event) {
      var message = JSON.parse(event.data);
      if (message.type === "connection_ack") {
        ready = true;
        queued.splice(0).forEach(send);
        if (handlers.onOpen) handlers.onOpen();
      } else if (message.type === "ping") {
        socket.send(JSON.stringify({ type: "pong" }));
      } else if (sinks[message.id]) {
        var sink = sinks[message.id];
        if (message.type === "next") sink.next(message.payload);
        else if (message.type === "error") { sink.error(message.payload); delete sinks[message.id]; }
        else if (message.type === "complete") { sink.complete(); delete sinks[message.id]; }
      }
    };
    socket.onclose = function (event) {
      if (handlers.onClose) handlers.onClose(event.code, event.reason);
    };

    return {
      subscribe: function (query, variables, sink) {
        var id = String(++nextId);
        sinks[id] = sink;
        send({ id: id, type: "subscribe", payload: { query: query, variables: variables } });
        return function () { send({ id: id, type: "complete" }); delete sinks[id]; };
      },
      close: function () { socket.close(1000, "bye"); },
    };
  }

  global.GraphQLWsLite = { connect: connect };
})(window);
