package dev.kmb.broker;

import dev.kmb.broker.spi.TenantId;
import dev.kmb.broker.spi.TopicRecord;
import dev.kmb.core.TopicName;
import dev.kmb.log.spi.LogEntry;
import dev.kmb.log.spi.MessageLog;
import dev.kmb.log.spi.ReadResult;
import dev.kmb.log.spi.TopicPartition;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Replay: reads a topic by offset or time range without a subscription (no cursor, no acks). Pages are
 * merged across partitions by timestamp; the {@code next} cursor has every partition's next offset.
 * Thread-safe and stateless.
 */
final class Replayer {

    private final MessageLog log;
    private final TopicService topics;

    Replayer(MessageLog log, TopicService topics) {
        this.log = log;
        this.topics = topics;
    }

    ReplayPage replay(TenantId tenant, TopicName topic, ReplayQuery q) {
        TopicRecord t = topics.require(tenant, topic);
        TopicName logTopic = LogNames.logTopic(tenant, topic);
        Map<String, Long> cursor = q.cursor().map(SubscriptionService::parseVector).orElse(Map.of());
        if (q.partition().isPresent() && q.partition().get() >= t.spec().partitions()) {
            throw new IllegalArgumentException("partition " + q.partition().get() + " does not exist; topic '" + topic
                    + "' has " + t.spec().partitions());
        }
        int first = q.partition().orElse(0);
        int last = q.partition().map(p -> p + 1).orElse(t.spec().partitions());
        record Item(int partition, LogEntry entry) {
        }
        List<Item> items = new ArrayList<>();
        Map<Integer, Long> starts = new LinkedHashMap<>();
        long toMillis = q.to().map(java.time.Instant::toEpochMilli).orElse(Long.MAX_VALUE);
        for (int p = first; p < last; p++) {
            TopicPartition tp = new TopicPartition(logTopic, p);
            long start = startOf(tp, topic, p, q, cursor);
            starts.put(p, start);
            long offset = start;
            int taken = 0;
            while (taken < q.limit()) {
                ReadResult r = log.read(tp, offset, q.limit() - taken, 4 << 20);
                if (!(r instanceof ReadResult.Records rec) || rec.entries().isEmpty()) {
                    if (r instanceof ReadResult.Records skipped && skipped.nextOffset() > offset) {
                        offset = skipped.nextOffset(); // only transaction markers or aborted records there
                        continue;
                    }
                    break;
                }
                boolean past = false;
                for (LogEntry e : rec.entries()) {
                    if (e.timestamp() > toMillis) {
                        past = true;
                        break;
                    }
                    items.add(new Item(p, e));
                    taken++;
                }
                if (past) {
                    break;
                }
                offset = rec.nextOffset();
            }
        }
        items.sort(Comparator.<Item>comparingLong(i -> i.entry().timestamp()).thenComparingInt(Item::partition)
                .thenComparingLong(i -> i.entry().offset()));
        List<byte[]> out = new ArrayList<>();
        Map<Integer, Long> next = new LinkedHashMap<>(starts);
        for (Item i : items.subList(0, Math.min(q.limit(), items.size()))) {
            out.add(Delivery.splice(i.entry().value(), "", i.partition(), i.entry().offset(), 0));
            next.put(i.partition(), i.entry().offset() + 1);
        }
        StringBuilder b = new StringBuilder();
        next.forEach((p, o) -> b.append(b.length() == 0 ? "" : ",").append(topic.value()).append(':').append(p).append(':').append(o));
        return new ReplayPage(out, b.toString());
    }

    private long startOf(TopicPartition tp, TopicName topic, int p, ReplayQuery q, Map<String, Long> cursor) {
        long begin = log.startOffset(tp);
        Long c = cursor.get(topic.value() + ":" + p);
        if (c != null) {
            return Math.max(begin, c);
        }
        if (q.fromOffset().isPresent()) {
            return Math.max(begin, q.fromOffset().get());
        }
        if (q.from().isPresent()) {
            return log.offsetForTimestamp(tp, q.from().get().toEpochMilli()).orElse(log.endOffset(tp));
        }
        return begin;
    }
}
