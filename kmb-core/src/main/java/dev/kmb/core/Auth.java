package dev.kmb.core;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * Who sent a message and the signature that proves it ({@code metadata.auth}); immutable. The bus checks it, this
 * record only carries it.
 *
 * @param issuer    the identity provider or key owner that vouches for the sender
 * @param clientId  the sending client
 * @param signature the signature over the message, encoded as its scheme prescribes
 * @param timestamp when the signature was made
 */
public record Auth(Optional<String> issuer, Optional<String> clientId, Optional<String> signature,
        Optional<Instant> timestamp) {

    /** An auth block with nothing in it. */
    public static final Auth EMPTY = new Auth(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());

    public Auth {
        Objects.requireNonNull(issuer, "issuer");
        Objects.requireNonNull(clientId, "clientId");
        Objects.requireNonNull(signature, "signature");
        Objects.requireNonNull(timestamp, "timestamp");
    }

    /** True when no member is set. */
    public boolean isEmpty() {
        return issuer.isEmpty() && clientId.isEmpty() && signature.isEmpty() && timestamp.isEmpty();
    }
}
