package dev.herald.outbound;

import java.util.List;
import java.util.Map;

/**
 * How a request to a target authenticates: exactly one of four methods (the "auth oneof"). Values hold
 * secrets in clear, so they live only in memory; at rest they are sealed, and {@link #toString()} never
 * shows them.
 */
public sealed interface Auth {
    List<String> METHODS = List.of(OAuthClientCredentials.METHOD, BearerToken.METHOD, BasicAuth.METHOD, StaticHeaders.METHOD);

    /** The oneof key: {@code oauth_client_credentials}, {@code bearer_token}, {@code basic_auth} or {@code static_headers}. */
    String method();

    /** OAuth 2.0 client-credentials grant: Herald fetches, caches and refreshes the token ({@link Authenticator}). */
    record OAuthClientCredentials(String tokenUrl, String clientId, String clientSecret, String scopes, Map<String, String> extraParams)
            implements Auth {
        public static final String METHOD = "oauth_client_credentials";

        public OAuthClientCredentials {
            extraParams = Map.copyOf(extraParams);
        }

        @Override
        public String method() {
            return METHOD;
        }

        @Override
        public String toString() {
            return "OAuthClientCredentials[tokenUrl=" + tokenUrl + ", clientId=" + clientId + ", clientSecret=(hidden)]";
        }
    }

    record BearerToken(String token) implements Auth {
        public static final String METHOD = "bearer_token";

        @Override
        public String method() {
            return METHOD;
        }

        @Override
        public String toString() {
            return "BearerToken[(hidden)]";
        }
    }

    record BasicAuth(String username, String password) implements Auth {
        public static final String METHOD = "basic_auth";

        @Override
        public String method() {
            return METHOD;
        }

        @Override
        public String toString() {
            return "BasicAuth[username=" + username + ", password=(hidden)]";
        }
    }

    /** Raw auth headers sent as given, e.g. {@code X-API-Key}. */
    record StaticHeaders(Map<String, String> headers) implements Auth {
        public static final String METHOD = "static_headers";

        public StaticHeaders {
            headers = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(headers));
        }

        @Override
        public String method() {
            return METHOD;
        }

        @Override
        public String toString() {
            return "StaticHeaders[names=" + headers.keySet() + "]";
        }
    }
}
