package dev.kmb.broker;

/**
 * The snapshot format, described once. The bus writes it ({@code POST /v1/topics/{name}/snapshots}) and so does
 * {@code kmb export}; restore and {@code kmb import} read it. A snapshot is a directory of two files:
 *
 * <pre>
 *   &lt;snapshot&gt;/
 *     manifest.json        format version, topic and its config, per-partition start/end offsets and counts,
 *                          message count, oldest and newest timestamp, size and SHA-256 of the data file,
 *                          created_at (see {@link SnapshotManifest})
 *     messages.jsonl.zst   zstd-compressed JSON Lines, one message per line:
 *
 *   {"partition":0,"offset":0,"id":"…","timestamp":"…","topic":"orders","type":"event","key":"k","payload":{…},…}\n
 *   {"partition":0,"offset":1,…}\n
 *   {"partition":1,"offset":0,…}\n            partitions ascending, offsets ascending within a partition
 * </pre>
 *
 * <p>Each line is the message as replay delivers it: the stored envelope with {@code partition} and {@code offset}
 * added. A JSON line cannot hold a raw line break, so the line breaks a payload may carry as JSON whitespace are
 * written as spaces; the payload's value does not change (inside JSON strings line breaks are always escaped).
 *
 * <p>The SHA-256 covers the compressed bytes of the data file, so {@code sha256sum messages.jsonl.zst} checks it by
 * hand. Writers build the directory under a temporary name and write the manifest last, then rename the directory
 * into place: a directory under its final name is complete. Readers refuse a {@code format_version} they do not
 * know. Stateless.
 */
public final class SnapshotFormat {

    /** The value of the manifest's {@code format} member. */
    public static final String FORMAT = "kmb-snapshot";
    /** The version this code writes and the only one it reads. */
    public static final int VERSION = 1;
    /** The manifest's file name. */
    public static final String MANIFEST_FILE = "manifest.json";
    /** The data file's name. */
    public static final String DATA_FILE = "messages.jsonl.zst";
    /** Suffix of a directory being written; never read, removed when found at start-up. */
    public static final String TEMP_SUFFIX = ".tmp";
    /** Suffix of a directory being deleted; removed when found at start-up. */
    public static final String DELETED_SUFFIX = ".deleted";
    /** zstd level of the data file: zstd's default, a good ratio at hundreds of MB/s. */
    static final int ZSTD_LEVEL = 3;
    /** Room a line needs beyond its envelope for the {@code partition} and {@code offset} members. */
    static final int LINE_OVERHEAD_BYTES = 64;

    private SnapshotFormat() {
    }
}
