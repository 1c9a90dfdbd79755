SELECT
    `u`.`d_month`,
    `u`.`d_team`,
    count(DISTINCT `u`.`agent_id`) AS `active_agents`,
    count(DISTINCT CASE WHEN (`a2`.`employment` = 'outsourced') THEN `u`.`agent_id` ELSE NULL END) AS `outsourced_agents`
FROM (
    SELECT DISTINCT
        toStartOfMonth(`rollup_calls_monthly`.`started_at`) AS `d_month`,
        `a`.`team` AS `d_team`,
        `rollup_calls_monthly`.`agent_id` AS `agent_id`
    FROM `rollup_calls_monthly`
        LEFT OUTER JOIN `agents` AS `a` ON `a`.`agent_id` = `rollup_calls_monthly`.`agent_id`
    WHERE
        `rollup_calls_monthly`.`started_at` >= '2025-09-01 00:00:00'
        AND `rollup_calls_monthly`.`started_at` < '2025-10-01 00:00:00'
        AND `rollup_calls_monthly`.`human_calls` > 0
    UNION DISTINCT
    SELECT DISTINCT
        toStartOfMonth(`agent_sessions`.`login_at`) AS `d_month`,
        `a`.`team` AS `d_team`,
        `agent_sessions`.`agent_id` AS `agent_id`
    FROM `agent_sessions`
        LEFT OUTER JOIN `agents` AS `a` ON `a`.`agent_id` = `agent_sessions`.`agent_id`
    WHERE
        `agent_sessions`.`login_at` >= '2025-09-01 00:00:00'
        AND `agent_sessions`.`login_at` < '2025-10-01 00:00:00'
) AS `u`
    LEFT OUTER JOIN `agents` AS `a2` ON `a2`.`agent_id` = `u`.`agent_id`
GROUP BY
    `u`.`d_month`,
    `u`.`d_team`
