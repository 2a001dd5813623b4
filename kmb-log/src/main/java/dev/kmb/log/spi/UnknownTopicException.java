package dev.kmb.log.spi;

import dev.kmb.core.TopicName;

/** The topic (or partition) does not exist in the log. */
public class UnknownTopicException extends LogException {
    private static final long serialVersionUID = 1L;

    public UnknownTopicException(TopicName topic) {
        super("topic '" + topic + "' does not exist");
    }

    public UnknownTopicException(TopicPartition tp) {
        super("partition " + tp.partition() + " of topic '" + tp.topic() + "' does not exist");
    }
}
