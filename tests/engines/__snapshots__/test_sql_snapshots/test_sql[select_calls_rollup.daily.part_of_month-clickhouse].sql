SELECT
    toStartOfMonth(`rollup_calls_daily`.`started_at`) AS `d_month`,
    `a`.`team` AS `d_team`,
    sum(`rollup_calls_daily`.`outbound_calls`) AS `outbound_calls`,
    sum(`rollup_calls_daily`.`inbound_calls`) AS `inbound_calls`,
    sum(`rollup_calls_daily`.`connected_calls`) AS `connected_calls`,
    sum(`rollup_calls_daily`.`effective_calls`) AS `effective_calls`
FROM `rollup_calls_daily`
    LEFT OUTER JOIN `agents` AS `a` ON `a`.`agent_id` = `rollup_calls_daily`.`agent_id`
WHERE
    `rollup_calls_daily`.`started_at` >= '2025-09-01 00:00:00'
    AND `rollup_calls_daily`.`started_at` < '2025-09-30 00:00:00'
GROUP BY
    `d_month`,
    `d_team`
