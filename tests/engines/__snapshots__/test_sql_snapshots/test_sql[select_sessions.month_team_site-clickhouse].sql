SELECT
    toStartOfMonth(`agent_sessions`.`login_at`) AS `d_month`,
    `a`.`team` AS `d_team`,
    `a`.`site_id` AS `d_site`,
    sum(CASE WHEN (`agent_sessions`.`logout_at` IS NOT NULL) THEN (toInt64(toUnixTimestamp(`agent_sessions`.`logout_at`)) - toInt64(toUnixTimestamp(`agent_sessions`.`login_at`))) - coalesce(`agent_sessions`.`break_seconds`, 0) ELSE 0 END) AS `logged_in_seconds`
FROM `agent_sessions`
    LEFT OUTER JOIN `agents` AS `a` ON `a`.`agent_id` = `agent_sessions`.`agent_id`
WHERE
    `agent_sessions`.`login_at` >= '2025-09-01 00:00:00'
    AND `agent_sessions`.`login_at` < '2025-10-01 00:00:00'
GROUP BY
    `d_month`,
    `d_team`,
    `d_site`
