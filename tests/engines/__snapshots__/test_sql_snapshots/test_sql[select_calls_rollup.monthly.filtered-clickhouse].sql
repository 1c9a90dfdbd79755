SELECT
    toStartOfMonth(`rollup_calls_monthly`.`started_at`) AS `d_month`,
    `a`.`team` AS `d_team`,
    sum(`rollup_calls_monthly`.`outbound_calls`) AS `outbound_calls`,
    sum(`rollup_calls_monthly`.`inbound_calls`) AS `inbound_calls`,
    sum(`rollup_calls_monthly`.`connected_calls`) AS `connected_calls`,
    sum(`rollup_calls_monthly`.`effective_calls`) AS `effective_calls`
FROM `rollup_calls_monthly`
    LEFT OUTER JOIN `agents` AS `a` ON `a`.`agent_id` = `rollup_calls_monthly`.`agent_id`
WHERE
    `rollup_calls_monthly`.`started_at` >= '2025-09-01 00:00:00'
    AND `rollup_calls_monthly`.`started_at` < '2025-10-01 00:00:00'
    AND (`a`.`site_id` IN ('S1') AND `a`.`team` IN ('T1') OR `rollup_calls_monthly`.`agent_id` IS NULL AND `rollup_calls_monthly`.`campaign_id` IN (
        SELECT DISTINCT
            `kf`.`campaign_id`
        FROM `calls` AS `kf`
            INNER JOIN `agents` AS `af` ON `af`.`agent_id` = `kf`.`agent_id`
        WHERE
            `kf`.`started_at` >= '2025-09-01 00:00:00'
            AND `kf`.`started_at` < '2025-10-01 00:00:00'
            AND `af`.`site_id` IN ('S1')
            AND `af`.`team` IN ('T1')
    ))
    AND `rollup_calls_monthly`.`campaign_id` IN ('C1', 'C2')
GROUP BY
    `d_month`,
    `d_team`
