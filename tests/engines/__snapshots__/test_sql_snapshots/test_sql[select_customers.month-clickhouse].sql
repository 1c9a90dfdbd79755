SELECT
    `pc`.`d_month`,
    count(*) AS `reached_customers`,
    coalesce(sum(`pc`.`eff`), 0) AS `effective_customers`
FROM (
    SELECT
        toStartOfMonth(`calls`.`started_at`) AS `d_month`,
        `calls`.`callee_id` AS `callee_id`,
        max(CASE WHEN (`calls`.`talk_seconds` >= 30 AND `calls`.`two_way_voice`) THEN 1 ELSE 0 END) AS `eff`
    FROM `calls`
    WHERE
        `calls`.`started_at` >= '2025-09-01 00:00:00'
        AND `calls`.`started_at` < '2025-10-01 00:00:00'
        AND `calls`.`direction` = 'out'
        AND `calls`.`disposition` = 'answered'
        AND `calls`.`callee_id` IS NOT NULL
    GROUP BY
        `d_month`,
        `calls`.`callee_id`
) AS `pc`
GROUP BY
    `pc`.`d_month`
