package dev.kmb.broker;

import dev.kmb.broker.spi.TenantId;
import dev.kmb.broker.spi.TopicRecord;
import dev.kmb.core.EnvelopeCodec;
import dev.kmb.core.ProblemCode;
import dev.kmb.core.ProblemException;
import dev.kmb.core.TopicName;
import dev.kmb.core.UuidV7;
import dev.kmb.log.spi.CorruptRecordException;
import dev.kmb.log.spi.MessageLog;
import dev.kmb.log.spi.UnknownTopicException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Snapshots of topics: take one (a consistent point-in-time copy, see {@link SnapshotExport}), list, get, delete,
 * and restore one into the same or another topic (see {@link SnapshotRestore}). Each is a directory in the
 * {@link SnapshotFormat} at {@code <dir>/<tenant>/<id>/}, so it can be copied away, checked by hand, or read by
 * {@code kmb import}.
 *
 * <p>Thread-safe without locks: a snapshot appears and disappears by directory renames, so every call sees whole
 * snapshots or none. Crash behaviour: a finished snapshot is on disk (fsync'd before its rename); an unfinished or
 * half-deleted one is removed when the service opens.
 */
public final class SnapshotService {

    private static final Logger LOG = LoggerFactory.getLogger(SnapshotService.class);

    private final Path dir;
    private final TopicService topics;
    private final EnvelopeCodec codec;
    private final SnapshotExport export;
    private final SnapshotRestore restore;
    private final UuidV7 ids;

    private SnapshotService(Path dir, Broker broker, MessageLog log, EnvelopeCodec codec, Clock clock) {
        this.dir = dir;
        this.topics = broker.topics();
        this.codec = codec;
        this.export = new SnapshotExport(log, clock);
        this.restore = new SnapshotRestore(log, broker.topics(), broker.publisher(), clock);
        this.ids = new UuidV7(clock);
    }

    /**
     * Opens the snapshots kept under {@code dir} (created when missing) and removes what a crash left unfinished.
     * {@code codec} decides the largest message a restore accepts.
     */
    public static SnapshotService open(Path dir, Broker broker, MessageLog log, EnvelopeCodec codec, Clock clock) {
        try {
            Files.createDirectories(dir);
            removeLeftovers(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the snapshot directory " + dir, e);
        }
        return new SnapshotService(dir, broker, log, codec, clock);
    }

    /** Takes a snapshot of a topic (404 {@code topic_not_found} when there is none). */
    public SnapshotInfo create(TenantId tenant, TopicName topic) {
        TopicRecord record = topics.require(tenant, topic);
        UUID id = ids.get();
        try {
            SnapshotManifest manifest = export.write(tenant, record, snapshotDir(tenant, id));
            LOG.info("snapshot {} of topic {}: {} messages, {} bytes", id, topic, manifest.messageCount(), manifest.dataBytes());
            return new SnapshotInfo(id, manifest);
        } catch (UnknownTopicException e) {
            throw new ProblemException(ProblemCode.TOPIC_NOT_FOUND, "topic '" + topic + "' was deleted while the snapshot read it");
        } catch (CorruptRecordException e) {
            throw new ProblemException(ProblemCode.INTERNAL, "topic '" + topic + "' holds a damaged record, the snapshot "
                    + "stopped there (" + e.getMessage() + "); `kmb log verify` shows the damage");
        } catch (IOException e) {
            throw new UncheckedIOException("snapshot " + id + " of topic " + topic + " could not be written", e);
        }
    }

    /** The tenant's snapshots, oldest first; only those of {@code topic} when given. Unreadable ones are skipped. */
    public List<SnapshotInfo> list(TenantId tenant, Optional<TopicName> topic) {
        Path tenantDir = dir.resolve(tenant.value());
        List<SnapshotInfo> out = new ArrayList<>();
        if (!Files.isDirectory(tenantDir)) {
            return out;
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(tenantDir)) {
            for (Path entry : entries) {
                Optional<UUID> id = idOf(entry.getFileName().toString());
                if (id.isEmpty()) {
                    continue;
                }
                try {
                    SnapshotInfo info = new SnapshotInfo(id.get(), SnapshotReader.open(entry, codec).manifest());
                    if (topic.isEmpty() || topic.get().equals(info.manifest().topic())) {
                        out.add(info);
                    }
                } catch (ProblemException | IOException e) {
                    LOG.warn("snapshot {} is left out of the list: {}", entry, e.getMessage());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + tenantDir, e);
        }
        out.sort(Comparator.comparing((SnapshotInfo i) -> i.manifest().createdAt()).thenComparing(SnapshotInfo::id));
        return out;
    }

    /** One snapshot (404 {@code snapshot_not_found}; 422 {@code snapshot_corrupt} when its manifest is damaged). */
    public SnapshotInfo get(TenantId tenant, UUID id) {
        return new SnapshotInfo(id, reader(tenant, id).manifest());
    }

    /** Deletes a snapshot (404 {@code snapshot_not_found}). A restore reading it meanwhile may fail with 404. */
    public void delete(TenantId tenant, UUID id) {
        Path snapshot = snapshotDir(tenant, id);
        Path doomed = snapshot.resolveSibling(snapshot.getFileName() + SnapshotFormat.DELETED_SUFFIX);
        try {
            SnapshotFiles.rename(snapshot, doomed);
        } catch (NoSuchFileException e) {
            throw notFound(id);
        } catch (IOException e) {
            throw new UncheckedIOException("snapshot " + id + " could not be deleted", e);
        }
        try {
            dev.kmb.log.DurableFiles.deleteRecursively(doomed);
        } catch (IOException e) {
            LOG.warn("snapshot {} is deleted but {} could not be removed (removed at the next start): {}", id, doomed, e.toString());
        }
    }

    /**
     * Restores a snapshot into {@code target}, or into the topic it was taken of. Verifies the whole snapshot first:
     * 422 {@code snapshot_corrupt} (413 for a message this bus does not accept) appends nothing and creates nothing.
     * Other answers: 403 for a {@code kmb.system.} topic, 409 when the topic's retention would delete every restored
     * message at once.
     */
    public RestoreResult restore(TenantId tenant, UUID id, Optional<TopicName> target) {
        SnapshotReader reader = reader(tenant, id);
        try {
            RestoreResult result = restore.run(tenant, id, reader, target);
            LOG.info("snapshot {} restored into topic {}: {} messages", id, result.topic(), result.restored());
            return result;
        } catch (NoSuchFileException e) {
            throw notFound(id);
        } catch (UnknownTopicException e) {
            throw new ProblemException(ProblemCode.TOPIC_NOT_FOUND, "the target topic was deleted during the restore");
        } catch (IOException e) {
            throw new UncheckedIOException("snapshot " + id + " could not be read", e);
        }
    }

    /** A snapshot id from the API: a UUID in canonical form (400 {@code bad_request} otherwise). */
    public static UUID parseId(String text) {
        return idOf(text).orElseThrow(() -> new ProblemException(ProblemCode.BAD_REQUEST,
                "snapshot id '" + text + "' is not one: ids are UUIDs such as 0190f0a6-3c6e-7d1a-9a3b-2f4c5d6e7f80"));
    }

    private SnapshotReader reader(TenantId tenant, UUID id) {
        try {
            return SnapshotReader.open(snapshotDir(tenant, id), codec);
        } catch (NoSuchFileException e) {
            throw notFound(id);
        } catch (IOException e) {
            throw new UncheckedIOException("snapshot " + id + " could not be read", e);
        }
    }

    private Path snapshotDir(TenantId tenant, UUID id) {
        return dir.resolve(tenant.value()).resolve(id.toString());
    }

    private static Optional<UUID> idOf(String name) {
        if (name.length() != 36) {
            return Optional.empty();
        }
        try {
            UUID id = UUID.fromString(name);
            return id.toString().equals(name.toLowerCase(Locale.ROOT)) ? Optional.of(id) : Optional.empty();
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private static ProblemException notFound(UUID id) {
        return new ProblemException(ProblemCode.SNAPSHOT_NOT_FOUND, "snapshot " + id + " does not exist");
    }

    private static void removeLeftovers(Path dir) throws IOException {
        try (DirectoryStream<Path> tenants = Files.newDirectoryStream(dir, Files::isDirectory)) {
            for (Path tenant : tenants) {
                try (DirectoryStream<Path> entries = Files.newDirectoryStream(tenant)) {
                    for (Path entry : entries) {
                        String name = entry.getFileName().toString();
                        if (name.endsWith(SnapshotFormat.TEMP_SUFFIX) || name.endsWith(SnapshotFormat.DELETED_SUFFIX)) {
                            LOG.warn("removing {}: a snapshot cut short by a crash", entry);
                            dev.kmb.log.DurableFiles.deleteRecursively(entry);
                        }
                    }
                }
            }
        }
    }
}
