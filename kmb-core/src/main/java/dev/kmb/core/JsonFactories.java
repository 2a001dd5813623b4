package dev.kmb.core;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.util.JsonRecyclerPools;

/**
 * The Jackson factories KMB reads and writes JSON with. Jackson's default recycles its buffers per thread, which
 * on virtual threads (the server runs one per request and per WebSocket frame) means fresh buffers for every parser
 * and generator; a profile showed that allocation in the publish path. These factories share one lock-free pool
 * instead. Thread-safe.
 */
public final class JsonFactories {

    private JsonFactories() {
    }

    /** A new factory whose parsers and generators take their buffers from one shared lock-free pool. */
    public static JsonFactory pooled() {
        return JsonFactory.builder().recyclerPool(JsonRecyclerPools.sharedLockFreePool()).build();
    }
}
