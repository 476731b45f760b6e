/*
 * Starts GraphiQL on WildNet's /graphql/ page. It replaces graphene-django's graphiql.js, which read its settings
 * from an inline script: under WildNet's Content Security Policy (script-src 'self') no inline script runs, so the
 * settings come from the JSON block #graphiql-settings. As graphene-django's: the CSRF token goes with every
 * request, and the query, variables and operation name are kept in the URL's fragment so a link reopens them.
 * No subscriptions (WildNet has none), hence no websocket client.
 */
(function () {
  "use strict";

  var settings = JSON.parse(document.getElementById("graphiql-settings").textContent);

  var parameters = {};
  window.location.hash.slice(1).split("&").forEach(function (entry) {
    var eq = entry.indexOf("=");
    if (eq >= 0) {
      parameters[decodeURIComponent(entry.slice(0, eq))] = decodeURIComponent(entry.slice(eq + 1));
    }
  });

  function updateURL() {
    var fragment = Object.keys(parameters).map(function (key) {
      return encodeURIComponent(key) + "=" + encodeURIComponent(parameters[key]);
    }).join("&");
    window.history.replaceState(null, "", "#" + fragment);
  }

  function remember(name) {
    return function (value) {
      parameters[name] = value;
      updateURL();
    };
  }

  // The cookie, as graphene-django reads it; the form field when the cookie is not readable.
  var cookie = ("; " + document.cookie).split("; csrftoken=");
  var csrfToken = cookie.length === 2
    ? cookie.pop().split(";").shift()
    : document.querySelector("[name=csrfmiddlewaretoken]").value;

  var fetcher = window.GraphiQL.createFetcher({
    url: window.location.pathname,
    headers: csrfToken ? { "X-CSRFToken": csrfToken } : {},
  });

  var onEditVariables = remember("variables");
  var onEditOperationName = remember("operationName");
  var rememberQuery = remember("query");

  function GraphiQLWithExplorer() {
    var state = window.React.useState(parameters.query);
    var query = state[0];
    var setQuery = state[1];

    function onEditQuery(value) {
      setQuery(value);
      rememberQuery(value);
    }

    var explorer = window.GraphiQLPluginExplorer.useExplorerPlugin({ query: query, onEdit: onEditQuery });
    return window.React.createElement(window.GraphiQL, {
      fetcher: fetcher,
      plugins: [explorer],
      defaultEditorToolsVisibility: true,
      query: query,
      variables: parameters.variables,
      operationName: parameters.operationName,
      onEditQuery: onEditQuery,
      onEditVariables: onEditVariables,
      onEditOperationName: onEditOperationName,
      isHeadersEditorEnabled: settings.headerEditorEnabled,
      shouldPersistHeaders: settings.shouldPersistHeaders,
      inputValueDeprecation: settings.inputValueDeprecation,
    });
  }

  window.ReactDOM.render(
    window.React.createElement(GraphiQLWithExplorer),
    document.getElementById("editor"),
  );
})();
