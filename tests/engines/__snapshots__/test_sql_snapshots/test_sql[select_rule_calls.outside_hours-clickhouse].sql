SELECT
    `calls`.`call_id`,
    `calls`.`started_at`,
    `calls`.`campaign_id`,
    `calls`.`agent_id`,
    `calls`.`caller_number`,
    `calls`.`callee_id`,
    `calls`.`callee_province`,
    `calls`.`disposition`
FROM `calls`
WHERE
    `calls`.`started_at` >= '2025-09-01 00:00:00'
    AND `calls`.`started_at` < '2025-10-01 00:00:00'
    AND `calls`.`direction` = 'out'
    AND (toHour(`calls`.`started_at`) * 60 + toMinute(`calls`.`started_at`) < CASE WHEN (`calls`.`campaign_id` IN ('C1', 'C3')) THEN 540 ELSE 480 END OR toHour(`calls`.`started_at`) * 60 + toMinute(`calls`.`started_at`) >= CASE WHEN (`calls`.`campaign_id` IN ('C1', 'C3')) THEN 1260 ELSE 1260 END)
    AND `calls`.`campaign_id` = 'C1'
ORDER BY
    `calls`.`started_at` DESC,
    `calls`.`call_id` DESC
LIMIT 50
OFFSET 50
