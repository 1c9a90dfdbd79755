SELECT
    toDateTime(`q`.`d_month_start`, 'UTC') AS `toDateTime_1`,
    `q`.`agent_id`,
    `q`.`campaign_id`,
    coalesce(`q`.`outbound_calls`, 0) AS `coalesce_1`,
    coalesce(`q`.`inbound_calls`, 0) AS `coalesce_2`,
    coalesce(`q`.`connected_calls`, 0) AS `coalesce_3`,
    coalesce(`q`.`effective_calls`, 0) AS `coalesce_4`,
    coalesce(`q`.`talk_seconds_connected_out`, 0) AS `coalesce_5`,
    coalesce(`q`.`inbound_answered`, 0) AS `coalesce_6`,
    coalesce(`q`.`inbound_abandoned`, 0) AS `coalesce_7`,
    coalesce(`q`.`inbound_answered_20s`, 0) AS `coalesce_8`,
    coalesce(`q`.`effective_human_talk_seconds`, 0) AS `coalesce_9`,
    coalesce(`q`.`handle_seconds`, 0) AS `coalesce_10`,
    coalesce(`q`.`robot_calls`, 0) AS `coalesce_11`,
    coalesce(`q`.`recorded_connected_calls`, 0) AS `coalesce_12`,
    coalesce(`q`.`short_connected_calls`, 0) AS `coalesce_13`,
    coalesce(`q`.`abandoned_outbound`, 0) AS `coalesce_14`,
    coalesce(`q`.`connected_all`, 0) AS `coalesce_15`,
    coalesce(`q`.`human_calls`, 0) AS `coalesce_16`
FROM (
    SELECT
        formatDateTime(`rollup_calls_daily`.`started_at`, '%%Y-%%m-01 00:00:00') AS `d_month_start`,
        `rollup_calls_daily`.`agent_id` AS `agent_id`,
        `rollup_calls_daily`.`campaign_id` AS `campaign_id`,
        sum(`rollup_calls_daily`.`outbound_calls`) AS `outbound_calls`,
        sum(`rollup_calls_daily`.`inbound_calls`) AS `inbound_calls`,
        sum(`rollup_calls_daily`.`connected_calls`) AS `connected_calls`,
        sum(`rollup_calls_daily`.`effective_calls`) AS `effective_calls`,
        sum(`rollup_calls_daily`.`talk_seconds_connected_out`) AS `talk_seconds_connected_out`,
        sum(`rollup_calls_daily`.`inbound_answered`) AS `inbound_answered`,
        sum(`rollup_calls_daily`.`inbound_abandoned`) AS `inbound_abandoned`,
        sum(`rollup_calls_daily`.`inbound_answered_20s`) AS `inbound_answered_20s`,
        sum(`rollup_calls_daily`.`effective_human_talk_seconds`) AS `effective_human_talk_seconds`,
        sum(`rollup_calls_daily`.`handle_seconds`) AS `handle_seconds`,
        sum(`rollup_calls_daily`.`robot_calls`) AS `robot_calls`,
        sum(`rollup_calls_daily`.`recorded_connected_calls`) AS `recorded_connected_calls`,
        sum(`rollup_calls_daily`.`short_connected_calls`) AS `short_connected_calls`,
        sum(`rollup_calls_daily`.`abandoned_outbound`) AS `abandoned_outbound`,
        sum(`rollup_calls_daily`.`connected_all`) AS `connected_all`,
        sum(`rollup_calls_daily`.`human_calls`) AS `human_calls`
    FROM `rollup_calls_daily`
    WHERE
        `rollup_calls_daily`.`started_at` >= '2025-09-01 00:00:00'
        AND `rollup_calls_daily`.`started_at` < '2025-10-01 00:00:00'
    GROUP BY
        `d_month_start`,
        `rollup_calls_daily`.`agent_id`,
        `rollup_calls_daily`.`campaign_id`
) AS `q`
