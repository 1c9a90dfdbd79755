SELECT
    toStartOfMonth(`complaints`.`received_at`) AS `d_month`,
    `complaints`.`caller_number` AS `d_caller_number`,
    `k`.`campaign_id` AS `d_campaign`,
    count(*) AS `complaints`,
    sum(CASE WHEN (`complaints`.`channel` IN ('12321', 'miit')) THEN 1 ELSE 0 END) AS `regulator_complaints`,
    sum(CASE WHEN (`complaints`.`replied_at` IS NOT NULL) THEN 1 ELSE 0 END) AS `complaints_replied`
FROM `complaints`
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
                    `complaints`.`call_id`
                FROM `complaints`
                WHERE
                    `complaints`.`call_id` IS NOT NULL
                    AND `complaints`.`received_at` >= '2025-09-01 00:00:00'
                    AND `complaints`.`received_at` < '2025-10-01 00:00:00'
            )
    ) AS `k` ON `k`.`call_id` = `complaints`.`call_id`
WHERE
    `complaints`.`received_at` >= '2025-09-01 00:00:00'
    AND `complaints`.`received_at` < '2025-10-01 00:00:00'
GROUP BY
    `d_month`,
    `d_caller_number`,
    `d_campaign`
