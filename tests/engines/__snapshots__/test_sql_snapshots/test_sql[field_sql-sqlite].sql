-- F10 (derived:shareholders)
SELECT
    shareholders.as_of,
    shareholders.holder,
    shareholders.share_pct
FROM shareholders;

-- F16 (metric:complaints)
SELECT
    count(*) AS complaints
FROM complaints
    LEFT OUTER JOIN (
        SELECT
            calls.call_id AS call_id,
            calls.started_at AS started_at,
            calls.agent_id AS agent_id,
            calls.campaign_id AS campaign_id,
            calls.caller_number AS caller_number,
            calls.callee_province AS callee_province
        FROM calls
        WHERE
            calls.call_id IN (
                SELECT
                    complaints.call_id
                FROM complaints
                WHERE
                    complaints.call_id IS NOT NULL
                    AND complaints.received_at >= '2025-01-01 00:00:00.000000'
                    AND complaints.received_at < '2026-01-01 00:00:00.000000'
            )
    ) AS k ON k.call_id = complaints.call_id
WHERE
    complaints.received_at >= '2025-01-01 00:00:00.000000'
    AND complaints.received_at < '2026-01-01 00:00:00.000000';

-- F17 (metric:complaint_reply_rate)
SELECT
    count(*) AS complaints
FROM complaints
    LEFT OUTER JOIN (
        SELECT
            calls.call_id AS call_id,
            calls.started_at AS started_at,
            calls.agent_id AS agent_id,
            calls.campaign_id AS campaign_id,
            calls.caller_number AS caller_number,
            calls.callee_province AS callee_province
        FROM calls
        WHERE
            calls.call_id IN (
                SELECT
                    complaints.call_id
                FROM complaints
                WHERE
                    complaints.call_id IS NOT NULL
                    AND complaints.received_at >= '2025-01-01 00:00:00.000000'
                    AND complaints.received_at < '2026-01-01 00:00:00.000000'
            )
    ) AS k ON k.call_id = complaints.call_id
WHERE
    complaints.received_at >= '2025-01-01 00:00:00.000000'
    AND complaints.received_at < '2026-01-01 00:00:00.000000';

SELECT
    sum(CASE WHEN (complaints.replied_at IS NOT NULL) THEN 1 ELSE 0 END) AS complaints_replied
FROM complaints
    LEFT OUTER JOIN (
        SELECT
            calls.call_id AS call_id,
            calls.started_at AS started_at,
            calls.agent_id AS agent_id,
            calls.campaign_id AS campaign_id,
            calls.caller_number AS caller_number,
            calls.callee_province AS callee_province
        FROM calls
        WHERE
            calls.call_id IN (
                SELECT
                    complaints.call_id
                FROM complaints
                WHERE
                    complaints.call_id IS NOT NULL
                    AND complaints.received_at >= '2025-01-01 00:00:00.000000'
                    AND complaints.received_at < '2026-01-01 00:00:00.000000'
            )
    ) AS k ON k.call_id = complaints.call_id
WHERE
    complaints.received_at >= '2025-01-01 00:00:00.000000'
    AND complaints.received_at < '2026-01-01 00:00:00.000000';

-- F18 (derived:licence_coverage)
SELECT
    licences.licence_no,
    licences.business_code,
    licences.coverage,
    licences.valid_from,
    licences.valid_to
FROM licences
WHERE
    licences.business_code = 'B24';

-- F19 (derived:site_provinces)
SELECT
    sites.site_id,
    sites.province,
    sites.opened_on,
    sites.closed_on
FROM sites;

-- F20 (metric:declared_seats)
SELECT
    site_seats.site_id,
    site_seats.effective_from,
    site_seats.declared_seats
FROM site_seats;

-- F21 (metric:peak_concurrent_agents)
SELECT
    run.mid,
    max(run.n) AS peak
FROM (
    SELECT
        st.mid AS mid,
        sum(st.step) OVER (PARTITION BY st.mid ORDER BY st.ts, st.delta ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS n
    FROM (
        SELECT
            pa.mid AS mid,
            pa.ts AS ts,
            pa.delta AS delta,
            CASE WHEN (pa.delta = 1 AND pa.mine = 1) THEN 1 WHEN (pa.delta = -1 AND pa.mine = 0) THEN -1 ELSE 0 END AS step
        FROM (
            SELECT
                ev.mid AS mid,
                ev.ts AS ts,
                ev.delta AS delta,
                sum(ev.delta) OVER (PARTITION BY ev.mid, ev.who ORDER BY ev.ts, ev.delta ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS mine
            FROM (
                SELECT
                    p.who AS who,
                    p.mid AS mid,
                    p.a AS ts,
                    1 AS delta
                FROM (
                    SELECT
                        s0.who AS who,
                        s0.ep_in - s0.ep_in % 86400 AS mid,
                        s0.ep_in AS a,
                        CASE WHEN (s0.ep_out > (s0.ep_in - s0.ep_in % 86400) + 86400) THEN (s0.ep_in - s0.ep_in % 86400) + 86400 ELSE s0.ep_out END AS b
                    FROM (
                        SELECT
                            agent_sessions.agent_id AS who,
                            CAST(strftime('%s', agent_sessions.login_at) AS INTEGER) AS ep_in,
                            CAST(strftime('%s', agent_sessions.logout_at) AS INTEGER) AS ep_out
                        FROM agent_sessions
                            LEFT OUTER JOIN agents AS a ON a.agent_id = agent_sessions.agent_id
                        WHERE
                            agent_sessions.logout_at IS NOT NULL
                            AND agent_sessions.login_at >= '2024-12-31 00:00:00.000000'
                            AND agent_sessions.login_at < '2026-01-01 00:00:00.000000'
                    ) AS s0
                    UNION ALL
                    SELECT
                        s0.who AS who,
                        (s0.ep_in - s0.ep_in % 86400) + 86400 AS mid,
                        (s0.ep_in - s0.ep_in % 86400) + 86400 AS a,
                        s0.ep_out AS b
                    FROM (
                        SELECT
                            agent_sessions.agent_id AS who,
                            CAST(strftime('%s', agent_sessions.login_at) AS INTEGER) AS ep_in,
                            CAST(strftime('%s', agent_sessions.logout_at) AS INTEGER) AS ep_out
                        FROM agent_sessions
                            LEFT OUTER JOIN agents AS a ON a.agent_id = agent_sessions.agent_id
                        WHERE
                            agent_sessions.logout_at IS NOT NULL
                            AND agent_sessions.login_at >= '2024-12-31 00:00:00.000000'
                            AND agent_sessions.login_at < '2026-01-01 00:00:00.000000'
                    ) AS s0
                    WHERE
                        s0.ep_out > (s0.ep_in - s0.ep_in % 86400) + 86400
                ) AS p
                WHERE
                    p.b > p.a
                UNION ALL
                SELECT
                    p.who AS who,
                    p.mid AS mid,
                    p.b AS ts,
                    -1 AS delta
                FROM (
                    SELECT
                        s0.who AS who,
                        s0.ep_in - s0.ep_in % 86400 AS mid,
                        s0.ep_in AS a,
                        CASE WHEN (s0.ep_out > (s0.ep_in - s0.ep_in % 86400) + 86400) THEN (s0.ep_in - s0.ep_in % 86400) + 86400 ELSE s0.ep_out END AS b
                    FROM (
                        SELECT
                            agent_sessions.agent_id AS who,
                            CAST(strftime('%s', agent_sessions.login_at) AS INTEGER) AS ep_in,
                            CAST(strftime('%s', agent_sessions.logout_at) AS INTEGER) AS ep_out
                        FROM agent_sessions
                            LEFT OUTER JOIN agents AS a ON a.agent_id = agent_sessions.agent_id
                        WHERE
                            agent_sessions.logout_at IS NOT NULL
                            AND agent_sessions.login_at >= '2024-12-31 00:00:00.000000'
                            AND agent_sessions.login_at < '2026-01-01 00:00:00.000000'
                    ) AS s0
                    UNION ALL
                    SELECT
                        s0.who AS who,
                        (s0.ep_in - s0.ep_in % 86400) + 86400 AS mid,
                        (s0.ep_in - s0.ep_in % 86400) + 86400 AS a,
                        s0.ep_out AS b
                    FROM (
                        SELECT
                            agent_sessions.agent_id AS who,
                            CAST(strftime('%s', agent_sessions.login_at) AS INTEGER) AS ep_in,
                            CAST(strftime('%s', agent_sessions.logout_at) AS INTEGER) AS ep_out
                        FROM agent_sessions
                            LEFT OUTER JOIN agents AS a ON a.agent_id = agent_sessions.agent_id
                        WHERE
                            agent_sessions.logout_at IS NOT NULL
                            AND agent_sessions.login_at >= '2024-12-31 00:00:00.000000'
                            AND agent_sessions.login_at < '2026-01-01 00:00:00.000000'
                    ) AS s0
                    WHERE
                        s0.ep_out > (s0.ep_in - s0.ep_in % 86400) + 86400
                ) AS p
                WHERE
                    p.b > p.a
            ) AS ev
        ) AS pa
    ) AS st
) AS run
GROUP BY
    run.mid;

-- F22 (metric:seat_usage_rate)
SELECT
    site_seats.site_id,
    site_seats.effective_from,
    site_seats.declared_seats
FROM site_seats;

SELECT
    run.mid,
    max(run.n) AS peak
FROM (
    SELECT
        st.mid AS mid,
        sum(st.step) OVER (PARTITION BY st.mid ORDER BY st.ts, st.delta ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS n
    FROM (
        SELECT
            pa.mid AS mid,
            pa.ts AS ts,
            pa.delta AS delta,
            CASE WHEN (pa.delta = 1 AND pa.mine = 1) THEN 1 WHEN (pa.delta = -1 AND pa.mine = 0) THEN -1 ELSE 0 END AS step
        FROM (
            SELECT
                ev.mid AS mid,
                ev.ts AS ts,
                ev.delta AS delta,
                sum(ev.delta) OVER (PARTITION BY ev.mid, ev.who ORDER BY ev.ts, ev.delta ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS mine
            FROM (
                SELECT
                    p.who AS who,
                    p.mid AS mid,
                    p.a AS ts,
                    1 AS delta
                FROM (
                    SELECT
                        s0.who AS who,
                        s0.ep_in - s0.ep_in % 86400 AS mid,
                        s0.ep_in AS a,
                        CASE WHEN (s0.ep_out > (s0.ep_in - s0.ep_in % 86400) + 86400) THEN (s0.ep_in - s0.ep_in % 86400) + 86400 ELSE s0.ep_out END AS b
                    FROM (
                        SELECT
                            agent_sessions.agent_id AS who,
                            CAST(strftime('%s', agent_sessions.login_at) AS INTEGER) AS ep_in,
                            CAST(strftime('%s', agent_sessions.logout_at) AS INTEGER) AS ep_out
                        FROM agent_sessions
                            LEFT OUTER JOIN agents AS a ON a.agent_id = agent_sessions.agent_id
                        WHERE
                            agent_sessions.logout_at IS NOT NULL
                            AND agent_sessions.login_at >= '2024-12-31 00:00:00.000000'
                            AND agent_sessions.login_at < '2026-01-01 00:00:00.000000'
                    ) AS s0
                    UNION ALL
                    SELECT
                        s0.who AS who,
                        (s0.ep_in - s0.ep_in % 86400) + 86400 AS mid,
                        (s0.ep_in - s0.ep_in % 86400) + 86400 AS a,
                        s0.ep_out AS b
                    FROM (
                        SELECT
                            agent_sessions.agent_id AS who,
                            CAST(strftime('%s', agent_sessions.login_at) AS INTEGER) AS ep_in,
                            CAST(strftime('%s', agent_sessions.logout_at) AS INTEGER) AS ep_out
                        FROM agent_sessions
                            LEFT OUTER JOIN agents AS a ON a.agent_id = agent_sessions.agent_id
                        WHERE
                            agent_sessions.logout_at IS NOT NULL
                            AND agent_sessions.login_at >= '2024-12-31 00:00:00.000000'
                            AND agent_sessions.login_at < '2026-01-01 00:00:00.000000'
                    ) AS s0
                    WHERE
                        s0.ep_out > (s0.ep_in - s0.ep_in % 86400) + 86400
                ) AS p
                WHERE
                    p.b > p.a
                UNION ALL
                SELECT
                    p.who AS who,
                    p.mid AS mid,
                    p.b AS ts,
                    -1 AS delta
                FROM (
                    SELECT
                        s0.who AS who,
                        s0.ep_in - s0.ep_in % 86400 AS mid,
                        s0.ep_in AS a,
                        CASE WHEN (s0.ep_out > (s0.ep_in - s0.ep_in % 86400) + 86400) THEN (s0.ep_in - s0.ep_in % 86400) + 86400 ELSE s0.ep_out END AS b
                    FROM (
                        SELECT
                            agent_sessions.agent_id AS who,
                            CAST(strftime('%s', agent_sessions.login_at) AS INTEGER) AS ep_in,
                            CAST(strftime('%s', agent_sessions.logout_at) AS INTEGER) AS ep_out
                        FROM agent_sessions
                            LEFT OUTER JOIN agents AS a ON a.agent_id = agent_sessions.agent_id
                        WHERE
                            agent_sessions.logout_at IS NOT NULL
                            AND agent_sessions.login_at >= '2024-12-31 00:00:00.000000'
                            AND agent_sessions.login_at < '2026-01-01 00:00:00.000000'
                    ) AS s0
                    UNION ALL
                    SELECT
                        s0.who AS who,
                        (s0.ep_in - s0.ep_in % 86400) + 86400 AS mid,
                        (s0.ep_in - s0.ep_in % 86400) + 86400 AS a,
                        s0.ep_out AS b
                    FROM (
                        SELECT
                            agent_sessions.agent_id AS who,
                            CAST(strftime('%s', agent_sessions.login_at) AS INTEGER) AS ep_in,
                            CAST(strftime('%s', agent_sessions.logout_at) AS INTEGER) AS ep_out
                        FROM agent_sessions
                            LEFT OUTER JOIN agents AS a ON a.agent_id = agent_sessions.agent_id
                        WHERE
                            agent_sessions.logout_at IS NOT NULL
                            AND agent_sessions.login_at >= '2024-12-31 00:00:00.000000'
                            AND agent_sessions.login_at < '2026-01-01 00:00:00.000000'
                    ) AS s0
                    WHERE
                        s0.ep_out > (s0.ep_in - s0.ep_in % 86400) + 86400
                ) AS p
                WHERE
                    p.b > p.a
            ) AS ev
        ) AS pa
    ) AS st
) AS run
GROUP BY
    run.mid;

-- F23 (metric:headcount_end)
SELECT
    agents.agent_id,
    agents.team,
    agents.site_id,
    agents.employment,
    agents.hired_on,
    agents.left_on
FROM agents;

-- F24 (metric:outsourced_share)
SELECT
    count(DISTINCT u.agent_id) AS active_agents,
    count(DISTINCT CASE WHEN (a2.employment = 'outsourced') THEN u.agent_id ELSE NULL END) AS outsourced_agents
FROM (
    SELECT DISTINCT
        calls.agent_id AS agent_id
    FROM calls
    WHERE
        calls.started_at >= '2025-01-01 00:00:00.000000'
        AND calls.started_at < '2026-01-01 00:00:00.000000'
        AND calls.agent_id IS NOT NULL
        AND coalesce(calls.robot, 0) = 0
    UNION
    SELECT DISTINCT
        agent_sessions.agent_id AS agent_id
    FROM agent_sessions
        LEFT OUTER JOIN agents AS a ON a.agent_id = agent_sessions.agent_id
    WHERE
        agent_sessions.login_at >= '2025-01-01 00:00:00.000000'
        AND agent_sessions.login_at < '2026-01-01 00:00:00.000000'
) AS u
    LEFT OUTER JOIN agents AS a2 ON a2.agent_id = u.agent_id;

-- F25 (metric:hires)
SELECT
    agents.agent_id,
    agents.team,
    agents.site_id,
    agents.employment,
    agents.hired_on,
    agents.left_on
FROM agents;

-- F26 (metric:leavers)
SELECT
    agents.agent_id,
    agents.team,
    agents.site_id,
    agents.employment,
    agents.hired_on,
    agents.left_on
FROM agents;

-- F27 (metric:inbound_calls)
SELECT
    sum(CASE WHEN (calls.direction = 'in') THEN 1 ELSE 0 END) AS inbound_calls
FROM calls
WHERE
    calls.started_at >= '2025-01-01 00:00:00.000000'
    AND calls.started_at < '2026-01-01 00:00:00.000000';

-- F28 (metric:inbound_answer_rate)
SELECT
    sum(CASE WHEN (calls.direction = 'in' AND calls.disposition = 'answered') THEN 1 ELSE 0 END) AS inbound_answered
FROM calls
WHERE
    calls.started_at >= '2025-01-01 00:00:00.000000'
    AND calls.started_at < '2026-01-01 00:00:00.000000';

SELECT
    sum(CASE WHEN (calls.direction = 'in') THEN 1 ELSE 0 END) AS inbound_calls
FROM calls
WHERE
    calls.started_at >= '2025-01-01 00:00:00.000000'
    AND calls.started_at < '2026-01-01 00:00:00.000000';

-- F29 (metric:outbound_calls)
SELECT
    sum(CASE WHEN (calls.direction = 'out') THEN 1 ELSE 0 END) AS outbound_calls
FROM calls
WHERE
    calls.started_at >= '2025-01-01 00:00:00.000000'
    AND calls.started_at < '2026-01-01 00:00:00.000000';

-- F30 (metric:connect_rate)
SELECT
    sum(CASE WHEN (calls.direction = 'out' AND calls.disposition = 'answered') THEN 1 ELSE 0 END) AS connected_calls
FROM calls
WHERE
    calls.started_at >= '2025-01-01 00:00:00.000000'
    AND calls.started_at < '2026-01-01 00:00:00.000000';

SELECT
    sum(CASE WHEN (calls.direction = 'out') THEN 1 ELSE 0 END) AS outbound_calls
FROM calls
WHERE
    calls.started_at >= '2025-01-01 00:00:00.000000'
    AND calls.started_at < '2026-01-01 00:00:00.000000';

-- F31 (metric:outbound_share)
SELECT
    sum(CASE WHEN (calls.direction = 'in') THEN 1 ELSE 0 END) AS inbound_calls
FROM calls
WHERE
    calls.started_at >= '2025-01-01 00:00:00.000000'
    AND calls.started_at < '2026-01-01 00:00:00.000000';

SELECT
    sum(CASE WHEN (calls.direction = 'out') THEN 1 ELSE 0 END) AS outbound_calls
FROM calls
WHERE
    calls.started_at >= '2025-01-01 00:00:00.000000'
    AND calls.started_at < '2026-01-01 00:00:00.000000';

-- F32 (derived:marketing_outbound_calls)
SELECT
    c.purpose AS d_purpose,
    sum(CASE WHEN (calls.direction = 'out') THEN 1 ELSE 0 END) AS outbound_calls
FROM calls
    LEFT OUTER JOIN campaigns AS c ON c.campaign_id = calls.campaign_id
WHERE
    calls.started_at >= '2025-01-01 00:00:00.000000'
    AND calls.started_at < '2026-01-01 00:00:00.000000'
GROUP BY
    c.purpose;

-- F33 (metric:robot_share)
SELECT
    sum(CASE WHEN (calls.direction = 'out') THEN 1 ELSE 0 END) AS outbound_calls
FROM calls
WHERE
    calls.started_at >= '2025-01-01 00:00:00.000000'
    AND calls.started_at < '2026-01-01 00:00:00.000000';

SELECT
    sum(CASE WHEN (calls.direction = 'out' AND calls.robot = 1) THEN 1 ELSE 0 END) AS robot_calls
FROM calls
WHERE
    calls.started_at >= '2025-01-01 00:00:00.000000'
    AND calls.started_at < '2026-01-01 00:00:00.000000';

-- F34 (metric:effective_calls)
SELECT
    sum(CASE WHEN (calls.direction = 'out' AND calls.disposition = 'answered' AND calls.talk_seconds >= 30 AND calls.two_way_voice = 1) THEN 1 ELSE 0 END) AS effective_calls
FROM calls
WHERE
    calls.started_at >= '2025-01-01 00:00:00.000000'
    AND calls.started_at < '2026-01-01 00:00:00.000000';

-- F35 (metric:effective_talk_hours)
SELECT
    sum(CASE WHEN (calls.disposition = 'answered' AND calls.talk_seconds >= 30 AND calls.two_way_voice = 1 AND calls.agent_id IS NOT NULL AND coalesce(calls.robot, 0) = 0) THEN calls.talk_seconds ELSE 0 END) AS effective_human_talk_seconds
FROM calls
WHERE
    calls.started_at >= '2025-01-01 00:00:00.000000'
    AND calls.started_at < '2026-01-01 00:00:00.000000';

-- F36 (metric:effective_talk_hours_per_agent_month)
SELECT
    u.d_month,
    count(DISTINCT u.agent_id) AS active_agents,
    count(DISTINCT CASE WHEN (a2.employment = 'outsourced') THEN u.agent_id ELSE NULL END) AS outsourced_agents
FROM (
    SELECT DISTINCT
        strftime('%Y-%m', calls.started_at) AS d_month,
        calls.agent_id AS agent_id
    FROM calls
    WHERE
        calls.started_at >= '2025-01-01 00:00:00.000000'
        AND calls.started_at < '2026-01-01 00:00:00.000000'
        AND calls.agent_id IS NOT NULL
        AND coalesce(calls.robot, 0) = 0
    UNION
    SELECT DISTINCT
        strftime('%Y-%m', agent_sessions.login_at) AS d_month,
        agent_sessions.agent_id AS agent_id
    FROM agent_sessions
        LEFT OUTER JOIN agents AS a ON a.agent_id = agent_sessions.agent_id
    WHERE
        agent_sessions.login_at >= '2025-01-01 00:00:00.000000'
        AND agent_sessions.login_at < '2026-01-01 00:00:00.000000'
) AS u
    LEFT OUTER JOIN agents AS a2 ON a2.agent_id = u.agent_id
GROUP BY
    u.d_month;

SELECT
    sum(CASE WHEN (calls.disposition = 'answered' AND calls.talk_seconds >= 30 AND calls.two_way_voice = 1 AND calls.agent_id IS NOT NULL AND coalesce(calls.robot, 0) = 0) THEN calls.talk_seconds ELSE 0 END) AS effective_human_talk_seconds
FROM calls
WHERE
    calls.started_at >= '2025-01-01 00:00:00.000000'
    AND calls.started_at < '2026-01-01 00:00:00.000000';

-- F37 (metric:reached_customers)
SELECT
    count(*) AS reached_customers
FROM (
    SELECT
        calls.callee_id AS callee_id,
        max(CASE WHEN (calls.talk_seconds >= 30 AND calls.two_way_voice = 1) THEN 1 ELSE 0 END) AS eff
    FROM calls
    WHERE
        calls.started_at >= '2025-01-01 00:00:00.000000'
        AND calls.started_at < '2026-01-01 00:00:00.000000'
        AND calls.direction = 'out'
        AND calls.disposition = 'answered'
        AND calls.callee_id IS NOT NULL
    GROUP BY
        calls.callee_id
) AS pc;

-- F38 (derived:registered_numbers_used)
SELECT
    count(DISTINCT calls.caller_number) AS n
FROM calls
    JOIN numbers ON numbers.number = calls.caller_number
WHERE
    calls.direction = 'out'
    AND calls.started_at >= '2025-01-01 00:00:00.000000'
    AND calls.started_at < '2026-01-01 00:00:00.000000'
    AND numbers.registered = 1;

-- F39 (derived:numbers_95_96_used)
SELECT
    count(DISTINCT calls.caller_number) AS n
FROM calls
    JOIN numbers ON numbers.number = calls.caller_number
WHERE
    calls.direction = 'out'
    AND calls.started_at >= '2025-01-01 00:00:00.000000'
    AND calls.started_at < '2026-01-01 00:00:00.000000'
    AND numbers.registered = 1
    AND numbers.kind IN ('95', '96');

-- F40 (metric:unregistered_number_calls)
SELECT
    sum(CASE WHEN (calls.direction = 'out' AND (n.number IS NULL OR coalesce(n.registered, 0) = 0 OR n.allocated_on IS NOT NULL AND strftime('%Y-%m-%d', calls.started_at) < strftime('%Y-%m-%d', n.allocated_on) OR n.released_on IS NOT NULL AND strftime('%Y-%m-%d', calls.started_at) > strftime('%Y-%m-%d', n.released_on))) THEN 1 ELSE 0 END) AS unregistered_number_calls
FROM calls
    LEFT OUTER JOIN numbers AS n ON n.number = calls.caller_number
WHERE
    calls.started_at >= '2025-01-01 00:00:00.000000'
    AND calls.started_at < '2026-01-01 00:00:00.000000';

-- F41 (derived:out_of_coverage_share)
SELECT
    sum(CASE WHEN (calls.direction = 'out' AND calls.callee_province IS NOT NULL AND (calls.callee_province NOT IN ('上海', '北京'))) THEN 1 ELSE 0 END) AS out_of_coverage_calls,
    sum(CASE WHEN (calls.direction = 'out') THEN 1 ELSE 0 END) AS outbound_calls
FROM calls
WHERE
    calls.started_at >= '2025-01-01 00:00:00.000000'
    AND calls.started_at < '2026-01-01 00:00:00.000000';

-- F42 (derived:client_industries)
SELECT DISTINCT
    campaigns.client_industry
FROM campaigns
WHERE
    campaigns.campaign_id IN (
        SELECT
            anon_1.campaign_id
        FROM (
            SELECT DISTINCT
                calls.campaign_id AS campaign_id
            FROM calls
            WHERE
                calls.started_at >= '2025-01-01 00:00:00.000000'
                AND calls.started_at < '2026-01-01 00:00:00.000000'
        ) AS anon_1
    )
ORDER BY
    campaigns.client_industry;

-- F43 (metric:recording_coverage)
SELECT
    sum(CASE WHEN (calls.direction = 'out' AND calls.disposition = 'answered') THEN 1 ELSE 0 END) AS connected_calls
FROM calls
WHERE
    calls.started_at >= '2025-01-01 00:00:00.000000'
    AND calls.started_at < '2026-01-01 00:00:00.000000';

SELECT
    sum(CASE WHEN (calls.direction = 'out' AND calls.disposition = 'answered' AND calls.recorded = 1) THEN 1 ELSE 0 END) AS recorded_connected_calls
FROM calls
WHERE
    calls.started_at >= '2025-01-01 00:00:00.000000'
    AND calls.started_at < '2026-01-01 00:00:00.000000';

-- F44 (metric:qa_coverage)
SELECT
    sum(CASE WHEN (calls.disposition = 'answered') THEN 1 ELSE 0 END) AS connected_all
FROM calls
WHERE
    calls.started_at >= '2025-01-01 00:00:00.000000'
    AND calls.started_at < '2026-01-01 00:00:00.000000';

SELECT
    sum(CASE WHEN (calls.disposition = 'answered' AND calls.call_id IN (
        SELECT
            qa_reviews.call_id
        FROM qa_reviews
    )) THEN 1 ELSE 0 END) AS reviewed_connected_all
FROM calls
WHERE
    calls.started_at >= '2025-01-01 00:00:00.000000'
    AND calls.started_at < '2026-01-01 00:00:00.000000';

-- F45 (metric:qa_pass_rate)
SELECT
    sum(CASE WHEN qa_reviews.passed THEN 1 ELSE 0 END) AS qa_passed
FROM qa_reviews
    LEFT OUTER JOIN (
        SELECT
            calls.call_id AS call_id,
            calls.started_at AS started_at,
            calls.agent_id AS agent_id,
            calls.campaign_id AS campaign_id,
            calls.caller_number AS caller_number,
            calls.callee_province AS callee_province
        FROM calls
        WHERE
            calls.call_id IN (
                SELECT
                    qa_reviews.call_id
                FROM qa_reviews
                WHERE
                    qa_reviews.call_id IS NOT NULL
                    AND qa_reviews.reviewed_at >= '2025-01-01 00:00:00.000000'
                    AND qa_reviews.reviewed_at < '2026-01-01 00:00:00.000000'
            )
    ) AS k ON k.call_id = qa_reviews.call_id
WHERE
    qa_reviews.reviewed_at >= '2025-01-01 00:00:00.000000'
    AND qa_reviews.reviewed_at < '2026-01-01 00:00:00.000000';

SELECT
    count(*) AS qa_reviews
FROM qa_reviews
    LEFT OUTER JOIN (
        SELECT
            calls.call_id AS call_id,
            calls.started_at AS started_at,
            calls.agent_id AS agent_id,
            calls.campaign_id AS campaign_id,
            calls.caller_number AS caller_number,
            calls.callee_province AS callee_province
        FROM calls
        WHERE
            calls.call_id IN (
                SELECT
                    qa_reviews.call_id
                FROM qa_reviews
                WHERE
                    qa_reviews.call_id IS NOT NULL
                    AND qa_reviews.reviewed_at >= '2025-01-01 00:00:00.000000'
                    AND qa_reviews.reviewed_at < '2026-01-01 00:00:00.000000'
            )
    ) AS k ON k.call_id = qa_reviews.call_id
WHERE
    qa_reviews.reviewed_at >= '2025-01-01 00:00:00.000000'
    AND qa_reviews.reviewed_at < '2026-01-01 00:00:00.000000';

-- F46 (metric:complaints_per_10k)
SELECT
    count(*) AS complaints
FROM complaints
    LEFT OUTER JOIN (
        SELECT
            calls.call_id AS call_id,
            calls.started_at AS started_at,
            calls.agent_id AS agent_id,
            calls.campaign_id AS campaign_id,
            calls.caller_number AS caller_number,
            calls.callee_province AS callee_province
        FROM calls
        WHERE
            calls.call_id IN (
                SELECT
                    complaints.call_id
                FROM complaints
                WHERE
                    complaints.call_id IS NOT NULL
                    AND complaints.received_at >= '2025-01-01 00:00:00.000000'
                    AND complaints.received_at < '2026-01-01 00:00:00.000000'
            )
    ) AS k ON k.call_id = complaints.call_id
WHERE
    complaints.received_at >= '2025-01-01 00:00:00.000000'
    AND complaints.received_at < '2026-01-01 00:00:00.000000';

SELECT
    sum(CASE WHEN (calls.direction = 'out') THEN 1 ELSE 0 END) AS outbound_calls
FROM calls
WHERE
    calls.started_at >= '2025-01-01 00:00:00.000000'
    AND calls.started_at < '2026-01-01 00:00:00.000000';
