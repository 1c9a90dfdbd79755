SELECT
    CAST(calls.started_at AS DATE) AS d_day,
    calls.agent_id AS d_agent,
    calls.campaign_id AS d_campaign,
    calls.caller_number AS d_caller_number,
    calls.callee_province AS d_callee_province,
    sum(CASE WHEN (calls.direction = 'out') THEN 1 ELSE 0 END) AS outbound_calls,
    sum(CASE WHEN (calls.direction = 'in') THEN 1 ELSE 0 END) AS inbound_calls,
    sum(CASE WHEN (calls.direction = 'out' AND calls.disposition = 'answered') THEN 1 ELSE 0 END) AS connected_calls,
    sum(CASE WHEN (calls.direction = 'out' AND calls.disposition = 'answered' AND calls.talk_seconds >= 30 AND calls.two_way_voice) THEN 1 ELSE 0 END) AS effective_calls,
    sum(CASE WHEN (calls.direction = 'out' AND calls.disposition = 'answered') THEN calls.talk_seconds ELSE 0 END) AS talk_seconds_connected_out,
    sum(CASE WHEN (calls.direction = 'in' AND calls.disposition = 'answered') THEN 1 ELSE 0 END) AS inbound_answered,
    sum(CASE WHEN (calls.direction = 'in' AND calls.disposition = 'abandoned') THEN 1 ELSE 0 END) AS inbound_abandoned,
    sum(CASE WHEN (calls.direction = 'in' AND calls.disposition = 'answered' AND calls.ring_seconds <= 20) THEN 1 ELSE 0 END) AS inbound_answered_20s,
    sum(CASE WHEN (calls.disposition = 'answered' AND calls.talk_seconds >= 30 AND calls.two_way_voice AND calls.agent_id IS NOT NULL AND coalesce(calls.robot, false) = false) THEN calls.talk_seconds ELSE 0 END) AS effective_human_talk_seconds,
    sum(CASE WHEN (calls.agent_id IS NOT NULL AND coalesce(calls.robot, false) = false) THEN coalesce(calls.talk_seconds, 0) + coalesce(calls.wrap_seconds, 0) ELSE 0 END) AS handle_seconds,
    sum(CASE WHEN (calls.direction = 'out' AND calls.robot) THEN 1 ELSE 0 END) AS robot_calls,
    sum(CASE WHEN (calls.direction = 'out' AND calls.disposition = 'answered' AND calls.recorded) THEN 1 ELSE 0 END) AS recorded_connected_calls,
    sum(CASE WHEN (calls.direction = 'out' AND calls.disposition = 'answered' AND calls.talk_seconds < 6) THEN 1 ELSE 0 END) AS short_connected_calls,
    sum(CASE WHEN (calls.direction = 'out' AND calls.disposition = 'abandoned') THEN 1 ELSE 0 END) AS abandoned_outbound,
    sum(CASE WHEN (calls.disposition = 'answered') THEN 1 ELSE 0 END) AS connected_all,
    sum(CASE WHEN (calls.agent_id IS NOT NULL AND coalesce(calls.robot, false) = false) THEN 1 ELSE 0 END) AS human_calls,
    sum(CASE WHEN (calls.direction = 'out' AND CAST(EXTRACT(hour FROM calls.started_at) AS INTEGER) = 0) THEN 1 ELSE 0 END) AS out_h00,
    sum(CASE WHEN (calls.direction = 'out' AND CAST(EXTRACT(hour FROM calls.started_at) AS INTEGER) = 1) THEN 1 ELSE 0 END) AS out_h01,
    sum(CASE WHEN (calls.direction = 'out' AND CAST(EXTRACT(hour FROM calls.started_at) AS INTEGER) = 2) THEN 1 ELSE 0 END) AS out_h02,
    sum(CASE WHEN (calls.direction = 'out' AND CAST(EXTRACT(hour FROM calls.started_at) AS INTEGER) = 3) THEN 1 ELSE 0 END) AS out_h03,
    sum(CASE WHEN (calls.direction = 'out' AND CAST(EXTRACT(hour FROM calls.started_at) AS INTEGER) = 4) THEN 1 ELSE 0 END) AS out_h04,
    sum(CASE WHEN (calls.direction = 'out' AND CAST(EXTRACT(hour FROM calls.started_at) AS INTEGER) = 5) THEN 1 ELSE 0 END) AS out_h05,
    sum(CASE WHEN (calls.direction = 'out' AND CAST(EXTRACT(hour FROM calls.started_at) AS INTEGER) = 6) THEN 1 ELSE 0 END) AS out_h06,
    sum(CASE WHEN (calls.direction = 'out' AND CAST(EXTRACT(hour FROM calls.started_at) AS INTEGER) = 7) THEN 1 ELSE 0 END) AS out_h07,
    sum(CASE WHEN (calls.direction = 'out' AND CAST(EXTRACT(hour FROM calls.started_at) AS INTEGER) = 8) THEN 1 ELSE 0 END) AS out_h08,
    sum(CASE WHEN (calls.direction = 'out' AND CAST(EXTRACT(hour FROM calls.started_at) AS INTEGER) = 9) THEN 1 ELSE 0 END) AS out_h09,
    sum(CASE WHEN (calls.direction = 'out' AND CAST(EXTRACT(hour FROM calls.started_at) AS INTEGER) = 10) THEN 1 ELSE 0 END) AS out_h10,
    sum(CASE WHEN (calls.direction = 'out' AND CAST(EXTRACT(hour FROM calls.started_at) AS INTEGER) = 11) THEN 1 ELSE 0 END) AS out_h11,
    sum(CASE WHEN (calls.direction = 'out' AND CAST(EXTRACT(hour FROM calls.started_at) AS INTEGER) = 12) THEN 1 ELSE 0 END) AS out_h12,
    sum(CASE WHEN (calls.direction = 'out' AND CAST(EXTRACT(hour FROM calls.started_at) AS INTEGER) = 13) THEN 1 ELSE 0 END) AS out_h13,
    sum(CASE WHEN (calls.direction = 'out' AND CAST(EXTRACT(hour FROM calls.started_at) AS INTEGER) = 14) THEN 1 ELSE 0 END) AS out_h14,
    sum(CASE WHEN (calls.direction = 'out' AND CAST(EXTRACT(hour FROM calls.started_at) AS INTEGER) = 15) THEN 1 ELSE 0 END) AS out_h15,
    sum(CASE WHEN (calls.direction = 'out' AND CAST(EXTRACT(hour FROM calls.started_at) AS INTEGER) = 16) THEN 1 ELSE 0 END) AS out_h16,
    sum(CASE WHEN (calls.direction = 'out' AND CAST(EXTRACT(hour FROM calls.started_at) AS INTEGER) = 17) THEN 1 ELSE 0 END) AS out_h17,
    sum(CASE WHEN (calls.direction = 'out' AND CAST(EXTRACT(hour FROM calls.started_at) AS INTEGER) = 18) THEN 1 ELSE 0 END) AS out_h18,
    sum(CASE WHEN (calls.direction = 'out' AND CAST(EXTRACT(hour FROM calls.started_at) AS INTEGER) = 19) THEN 1 ELSE 0 END) AS out_h19,
    sum(CASE WHEN (calls.direction = 'out' AND CAST(EXTRACT(hour FROM calls.started_at) AS INTEGER) = 20) THEN 1 ELSE 0 END) AS out_h20,
    sum(CASE WHEN (calls.direction = 'out' AND CAST(EXTRACT(hour FROM calls.started_at) AS INTEGER) = 21) THEN 1 ELSE 0 END) AS out_h21,
    sum(CASE WHEN (calls.direction = 'out' AND CAST(EXTRACT(hour FROM calls.started_at) AS INTEGER) = 22) THEN 1 ELSE 0 END) AS out_h22,
    sum(CASE WHEN (calls.direction = 'out' AND CAST(EXTRACT(hour FROM calls.started_at) AS INTEGER) = 23) THEN 1 ELSE 0 END) AS out_h23
FROM calls
WHERE
    calls.started_at >= '2025-09-01 00:00:00'
    AND calls.started_at < '2025-10-01 00:00:00'
GROUP BY
    CAST(calls.started_at AS DATE),
    calls.agent_id,
    calls.campaign_id,
    calls.caller_number,
    calls.callee_province;

SELECT
    date_trunc('hour', calls.started_at) AS d_hour_start,
    calls.agent_id AS d_agent,
    calls.campaign_id AS d_campaign,
    sum(CASE WHEN (calls.direction = 'out') THEN 1 ELSE 0 END) AS outbound_calls,
    sum(CASE WHEN (calls.direction = 'in') THEN 1 ELSE 0 END) AS inbound_calls,
    sum(CASE WHEN (calls.direction = 'out' AND calls.disposition = 'answered') THEN 1 ELSE 0 END) AS connected_calls,
    sum(CASE WHEN (calls.direction = 'out' AND calls.disposition = 'answered' AND calls.talk_seconds >= 30 AND calls.two_way_voice) THEN 1 ELSE 0 END) AS effective_calls,
    sum(CASE WHEN (calls.direction = 'out' AND calls.disposition = 'answered') THEN calls.talk_seconds ELSE 0 END) AS talk_seconds_connected_out,
    sum(CASE WHEN (calls.direction = 'in' AND calls.disposition = 'answered') THEN 1 ELSE 0 END) AS inbound_answered,
    sum(CASE WHEN (calls.direction = 'in' AND calls.disposition = 'abandoned') THEN 1 ELSE 0 END) AS inbound_abandoned,
    sum(CASE WHEN (calls.direction = 'in' AND calls.disposition = 'answered' AND calls.ring_seconds <= 20) THEN 1 ELSE 0 END) AS inbound_answered_20s,
    sum(CASE WHEN (calls.disposition = 'answered' AND calls.talk_seconds >= 30 AND calls.two_way_voice AND calls.agent_id IS NOT NULL AND coalesce(calls.robot, false) = false) THEN calls.talk_seconds ELSE 0 END) AS effective_human_talk_seconds,
    sum(CASE WHEN (calls.agent_id IS NOT NULL AND coalesce(calls.robot, false) = false) THEN coalesce(calls.talk_seconds, 0) + coalesce(calls.wrap_seconds, 0) ELSE 0 END) AS handle_seconds,
    sum(CASE WHEN (calls.direction = 'out' AND calls.robot) THEN 1 ELSE 0 END) AS robot_calls,
    sum(CASE WHEN (calls.direction = 'out' AND calls.disposition = 'answered' AND calls.recorded) THEN 1 ELSE 0 END) AS recorded_connected_calls,
    sum(CASE WHEN (calls.direction = 'out' AND calls.disposition = 'answered' AND calls.talk_seconds < 6) THEN 1 ELSE 0 END) AS short_connected_calls,
    sum(CASE WHEN (calls.direction = 'out' AND calls.disposition = 'abandoned') THEN 1 ELSE 0 END) AS abandoned_outbound,
    sum(CASE WHEN (calls.disposition = 'answered') THEN 1 ELSE 0 END) AS connected_all,
    sum(CASE WHEN (calls.agent_id IS NOT NULL AND coalesce(calls.robot, false) = false) THEN 1 ELSE 0 END) AS human_calls
FROM calls
WHERE
    calls.started_at >= '2025-09-01 00:00:00'
    AND calls.started_at < '2025-10-01 00:00:00'
GROUP BY
    date_trunc('hour', calls.started_at),
    calls.agent_id,
    calls.campaign_id;

SELECT
    CAST(calls.started_at AS DATE) AS d_day,
    calls.agent_id AS d_agent,
    calls.campaign_id AS d_campaign,
    calls.caller_number AS d_caller_number,
    calls.callee_province AS d_callee_province,
    count(*) AS dnc_calls
FROM calls
    JOIN (
        SELECT
            dnc.callee_id AS callee_id,
            min(dnc.added_at) AS first_added
        FROM dnc
        GROUP BY
            dnc.callee_id
    ) AS dn ON dn.callee_id = calls.callee_id
WHERE
    calls.started_at >= '2025-09-01 00:00:00'
    AND calls.started_at < '2025-10-01 00:00:00'
    AND calls.direction = 'out'
    AND calls.started_at > dn.first_added
GROUP BY
    CAST(calls.started_at AS DATE),
    calls.agent_id,
    calls.campaign_id,
    calls.caller_number,
    calls.callee_province;

SELECT
    k0.call_id,
    k0.callee_id,
    k0.agent_id,
    k0.campaign_id,
    k0.caller_number,
    k0.callee_province,
    k0.started_at,
    k0.disposition,
    k0.ep,
    count(*) OVER (PARTITION BY k0.callee_id ORDER BY k0.ep RANGE BETWEEN 86399 PRECEDING AND CURRENT ROW) - (count(*) OVER (PARTITION BY k0.callee_id, k0.ep) - row_number() OVER (PARTITION BY k0.callee_id, k0.ep ORDER BY k0.call_id)) AS n24,
    count(*) OVER (PARTITION BY k0.callee_id ORDER BY k0.ep RANGE BETWEEN 299 PRECEDING AND CURRENT ROW) - (count(*) OVER (PARTITION BY k0.callee_id, k0.ep) - row_number() OVER (PARTITION BY k0.callee_id, k0.ep ORDER BY k0.call_id)) AS n5,
    k0.ep - max(CASE WHEN (k0.disposition = 'abandoned') THEN k0.ep END) OVER (PARTITION BY k0.callee_id ORDER BY k0.ep RANGE BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS since_abandon
FROM (
    SELECT
        calls.call_id AS call_id,
        calls.callee_id AS callee_id,
        calls.agent_id AS agent_id,
        calls.campaign_id AS campaign_id,
        calls.caller_number AS caller_number,
        calls.callee_province AS callee_province,
        calls.started_at AS started_at,
        calls.disposition AS disposition,
        CAST(EXTRACT(epoch FROM calls.started_at) AS BIGINT) AS ep
    FROM calls
    WHERE
        calls.direction = 'out'
        AND calls.callee_id IS NOT NULL
        AND hashtextextended(calls.callee_id, 0) IN (
            SELECT DISTINCT
                g.h
            FROM (
                SELECT
                    p.h AS h,
                    p.ep - lag(p.ep) OVER (PARTITION BY p.h ORDER BY p.ep) AS gap,
                    p.ep - max(CASE WHEN p.ab THEN p.ep END) OVER (PARTITION BY p.h ORDER BY p.ep RANGE BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS since
                FROM (
                    SELECT
                        hashtextextended(calls.callee_id, 0) AS h,
                        CAST(EXTRACT(epoch FROM calls.started_at) AS BIGINT) AS ep,
                        calls.disposition = 'abandoned' AS ab
                    FROM calls
                    WHERE
                        calls.direction = 'out'
                        AND calls.callee_id IS NOT NULL
                ) AS p
            ) AS g
            WHERE
                g.gap < 86400 OR g.since <= 604800
        )
) AS k0;

SELECT
    CAST(EXTRACT(year FROM calls.started_at) AS INTEGER) AS year,
    calls.callee_id,
    max(CASE WHEN (EXTRACT(month FROM calls.started_at) = 1) THEN 1 ELSE 0 END) AS r01,
    max(CASE WHEN (EXTRACT(month FROM calls.started_at) = 2) THEN 1 ELSE 0 END) AS r02,
    max(CASE WHEN (EXTRACT(month FROM calls.started_at) = 3) THEN 1 ELSE 0 END) AS r03,
    max(CASE WHEN (EXTRACT(month FROM calls.started_at) = 4) THEN 1 ELSE 0 END) AS r04,
    max(CASE WHEN (EXTRACT(month FROM calls.started_at) = 5) THEN 1 ELSE 0 END) AS r05,
    max(CASE WHEN (EXTRACT(month FROM calls.started_at) = 6) THEN 1 ELSE 0 END) AS r06,
    max(CASE WHEN (EXTRACT(month FROM calls.started_at) = 7) THEN 1 ELSE 0 END) AS r07,
    max(CASE WHEN (EXTRACT(month FROM calls.started_at) = 8) THEN 1 ELSE 0 END) AS r08,
    max(CASE WHEN (EXTRACT(month FROM calls.started_at) = 9) THEN 1 ELSE 0 END) AS r09,
    max(CASE WHEN (EXTRACT(month FROM calls.started_at) = 10) THEN 1 ELSE 0 END) AS r10,
    max(CASE WHEN (EXTRACT(month FROM calls.started_at) = 11) THEN 1 ELSE 0 END) AS r11,
    max(CASE WHEN (EXTRACT(month FROM calls.started_at) = 12) THEN 1 ELSE 0 END) AS r12,
    max(CASE WHEN (EXTRACT(month FROM calls.started_at) = 1 AND calls.talk_seconds >= 30 AND calls.two_way_voice) THEN 1 ELSE 0 END) AS e01,
    max(CASE WHEN (EXTRACT(month FROM calls.started_at) = 2 AND calls.talk_seconds >= 30 AND calls.two_way_voice) THEN 1 ELSE 0 END) AS e02,
    max(CASE WHEN (EXTRACT(month FROM calls.started_at) = 3 AND calls.talk_seconds >= 30 AND calls.two_way_voice) THEN 1 ELSE 0 END) AS e03,
    max(CASE WHEN (EXTRACT(month FROM calls.started_at) = 4 AND calls.talk_seconds >= 30 AND calls.two_way_voice) THEN 1 ELSE 0 END) AS e04,
    max(CASE WHEN (EXTRACT(month FROM calls.started_at) = 5 AND calls.talk_seconds >= 30 AND calls.two_way_voice) THEN 1 ELSE 0 END) AS e05,
    max(CASE WHEN (EXTRACT(month FROM calls.started_at) = 6 AND calls.talk_seconds >= 30 AND calls.two_way_voice) THEN 1 ELSE 0 END) AS e06,
    max(CASE WHEN (EXTRACT(month FROM calls.started_at) = 7 AND calls.talk_seconds >= 30 AND calls.two_way_voice) THEN 1 ELSE 0 END) AS e07,
    max(CASE WHEN (EXTRACT(month FROM calls.started_at) = 8 AND calls.talk_seconds >= 30 AND calls.two_way_voice) THEN 1 ELSE 0 END) AS e08,
    max(CASE WHEN (EXTRACT(month FROM calls.started_at) = 9 AND calls.talk_seconds >= 30 AND calls.two_way_voice) THEN 1 ELSE 0 END) AS e09,
    max(CASE WHEN (EXTRACT(month FROM calls.started_at) = 10 AND calls.talk_seconds >= 30 AND calls.two_way_voice) THEN 1 ELSE 0 END) AS e10,
    max(CASE WHEN (EXTRACT(month FROM calls.started_at) = 11 AND calls.talk_seconds >= 30 AND calls.two_way_voice) THEN 1 ELSE 0 END) AS e11,
    max(CASE WHEN (EXTRACT(month FROM calls.started_at) = 12 AND calls.talk_seconds >= 30 AND calls.two_way_voice) THEN 1 ELSE 0 END) AS e12,
    bit_or(CAST(1 << CAST(EXTRACT(month FROM calls.started_at) AS INTEGER) - 1 AS INTEGER)) AS rmask,
    bit_or(CASE WHEN (calls.talk_seconds >= 30 AND calls.two_way_voice) THEN CAST(1 << CAST(EXTRACT(month FROM calls.started_at) AS INTEGER) - 1 AS INTEGER) ELSE 0 END) AS emask
FROM calls
WHERE
    calls.direction = 'out'
    AND calls.disposition = 'answered'
    AND calls.callee_id IS NOT NULL
GROUP BY
    EXTRACT(year FROM calls.started_at),
    calls.callee_id;
