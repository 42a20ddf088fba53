// Starts GraphiQL against this server: queries and mutations over HTTP, subscriptions over the
// graphql-transport-ws WebSocket. Put {"Authorization": "Bearer <token>"} in the Headers tab; the
// same headers are sent as the WebSocket's connection_init payload.
(function () {
  var url = new URL('/graphql', window.location.href).href;
  var wsUrl = url.replace(/^http/, 'ws');
  function headers() {
    try {
      return JSON.parse(window.localStorage.getItem('graphiql:headers') || '{}');
    } catch (e) {
      return {};
    }
  }
  var wsClient = graphqlWs.createClient({ url: wsUrl, lazy: true, connectionParams: headers });
  var fetcher = GraphiQL.createFetcher({ url: url, wsClient: wsClient });
  var root = ReactDOM.createRoot(document.getElementById('graphiql'));
  root.render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultEditorToolsVisibility: true,
      defaultHeaders: '{"Authorization": "Bearer "}',
      defaultQuery: '# Paste a token in Headers, then run:\n{\n  me { id name email }\n}\n',
    })
  );
})();
