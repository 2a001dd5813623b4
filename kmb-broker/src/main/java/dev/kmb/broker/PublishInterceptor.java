package dev.kmb.broker;

import dev.kmb.broker.spi.TenantId;
import dev.kmb.core.Envelope;
import dev.kmb.core.Problem;

/**
 * A step of the publish pipeline between validation and append: the seam where schema checks, security,
 * signatures and approval gates plug in. Interceptors run in order; each sees the envelope the previous
 * one passed on. Implementations must be thread-safe; they run on the publishing connection's thread.
 */
@FunctionalInterface
public interface PublishInterceptor {

    /** Decides what happens to one message. */
    Decision intercept(TenantId tenant, Envelope envelope);

    /** What an interceptor decided. */
    sealed interface Decision {
    }

    /** Go on with this (possibly changed) envelope. */
    record Continue(Envelope envelope) implements Decision {
    }

    /** Refuse the message with a problem; nothing of the request is appended. */
    record Reject(Problem problem) implements Decision {
    }
}
