// Millennium's playground: the pinned GraphiQL, talking to /graphql on this server only.
//
// The schema is available to logged-in staff only. After a successful `login` or
// `refreshSession` here, the access token is kept in this tab's memory (never stored) and sent
// with every request, and the schema is loaded again. A token put in the headers pane takes
// precedence.
(function () {
  'use strict';
  var h = React.createElement;
  var SESSION_FIELDS = ['login', 'refreshSession'];
  var DEFAULT_QUERY = [
    '# Welcome to the Millennium playground.',
    '#',
    '# Log in first: the access token is then sent with every request from this tab,',
    '# and the schema (documentation, completion) loads. Run the mutation below',
    '# with your own email and password.',
    '',
    'mutation Login {',
    '  login(email: "admin@localhost", password: "your password") {',
    '    accessToken',
    '    accessTokenExpiresAt',
    '    user { email role fullName }',
    '  }',
    '}',
    '',
  ].join('\n');

  function sessionToken(body) {
    var data = body && body.data;
    for (var i = 0; i < SESSION_FIELDS.length; i += 1) {
      var payload = data && data[SESSION_FIELDS[i]];
      if (payload && typeof payload.accessToken === 'string') {
        return payload.accessToken;
      }
    }
    return null;
  }

  function Playground() {
    var tokenState = React.useState(null);
    var token = tokenState[0];
    var setToken = tokenState[1];
    var fetcher = React.useMemo(
      function () {
        return function (params, options) {
          var headers = {
            'Content-Type': 'application/json',
            Accept: 'application/graphql-response+json, application/json',
          };
          if (token) {
            headers.Authorization = 'Bearer ' + token;
          }
          var extra = (options && options.headers) || {};
          Object.keys(extra).forEach(function (name) {
            headers[name] = extra[name];
          });
          return fetch('/graphql', {
            method: 'POST',
            headers: headers,
            body: JSON.stringify(params),
            credentials: 'omit',
          })
            .then(function (response) {
              return response.json();
            })
            .then(function (body) {
              var fresh = sessionToken(body);
              if (fresh) {
                setToken(fresh);
              }
              return body;
            });
        };
      },
      [token]
    );
    return h(GraphiQL, {
      fetcher: fetcher,
      defaultQuery: DEFAULT_QUERY,
      defaultEditorToolsVisibility: true,
      shouldPersistHeaders: false,
    });
  }

  ReactDOM.createRoot(document.getElementById('graphiql')).render(h(Playground));
})();
