package dev.kmb.broker;

import java.util.Objects;
import java.util.UUID;

/** A snapshot the bus keeps: its id (a UUIDv7, so ids sort by creation) and its manifest. Immutable. */
public record SnapshotInfo(UUID id, SnapshotManifest manifest) {

    public SnapshotInfo {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(manifest, "manifest");
    }
}
