package dev.kmb.broker;

import dev.kmb.core.TopicName;
import java.util.UUID;

/**
 * What a restore did. Immutable.
 *
 * @param snapshot      the snapshot restored
 * @param topic         the topic it was restored into
 * @param topicCreated  true when that topic did not exist and was created from the snapshot's config
 * @param restored      messages appended
 * @param repartitioned true when the topic's partition count differs from the snapshot's, so messages were placed by
 *                      key (keyless ones by source partition modulo the count) instead of keeping their partition
 */
public record RestoreResult(UUID snapshot, TopicName topic, boolean topicCreated, long restored, boolean repartitioned) {
}
