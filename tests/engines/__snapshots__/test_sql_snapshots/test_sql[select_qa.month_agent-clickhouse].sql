SELECT
    toStartOfMonth(`qa_reviews`.`reviewed_at`) AS `d_month`,
    `k`.`agent_id` AS `d_agent`,
    count(*) AS `qa_reviews`,
    sum(CASE WHEN `qa_reviews`.`passed` THEN 1 ELSE 0 END) AS `qa_passed`
FROM `qa_reviews`
    LEFT OUTER JOIN (
        SELECT
            `calls`.`call_id` AS `call_id`,
            `calls`.`started_at` AS `started_at`,
            `calls`.`agent_id` AS `agent_id`,
            `calls`.`campaign_id` AS `campaign_id`,
            `calls`.`caller_number` AS `caller_number`,
            `calls`.`callee_province` AS `callee_province`
        FROM `calls`
        WHERE
            `calls`.`call_id` IN (
                SELECT
                    `qa_reviews`.`call_id`
                FROM `qa_reviews`
                WHERE
                    `qa_reviews`.`call_id` IS NOT NULL
                    AND `qa_reviews`.`reviewed_at` >= '2025-09-01 00:00:00'
                    AND `qa_reviews`.`reviewed_at` < '2025-10-01 00:00:00'
            )
    ) AS `k` ON `k`.`call_id` = `qa_reviews`.`call_id`
WHERE
    `qa_reviews`.`reviewed_at` >= '2025-09-01 00:00:00'
    AND `qa_reviews`.`reviewed_at` < '2025-10-01 00:00:00'
GROUP BY
    `d_month`,
    `d_agent`
