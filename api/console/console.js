// Mailtrail's console: GraphiQL on this server's /graphql, subscriptions over graphql-transport-ws.
// GraphiQL's toolkit puts the headers editor's content into connection_init's payload, so the
// Authorization header written there authenticates subscriptions too.
(function () {
  "use strict";
  var root = document.getElementById("graphiql");
  var config = JSON.parse(root.dataset.config);
  var http = location.origin + "/graphql";
  var ws = http.replace(/^http/, "ws");
  var fetcher = GraphiQL.createFetcher({ url: http, subscriptionUrl: ws });

  // The URL keeps the operation, so a page can be shared and reloaded.
  var params = new URLSearchParams(location.search);
  function remember(name, value) {
    if (value) params.set(name, value); else params.delete(name);
    var search = params.toString();
    history.replaceState(null, "", location.pathname + (search ? "?" + search : ""));
  }

  var props = {
    fetcher: fetcher,
    defaultHeaders: config.headers,
    shouldPersistHeaders: config.persistHeaders,
    defaultEditorToolsVisibility: "headers",
    onEditQuery: function (value) { remember("query", value); },
    onEditVariables: function (value) { remember("variables", value); },
  };
  if (params.get("query")) {
    props.query = params.get("query");
    props.variables = params.get("variables") || undefined;
  } else if (config.tabs.length) {
    props.defaultTabs = config.tabs;
  }
  ReactDOM.createRoot(root).render(React.createElement(GraphiQL, props));
})();
