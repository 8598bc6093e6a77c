import { lazy, Suspense } from 'react'
import { Navigate, Outlet, Route, Routes, useLocation } from 'react-router-dom'

import { AppLayout } from './components/layout/AppLayout'
import { Loading, PageHeader, TextLink } from './components/ui'
import OverviewScreen from './screens/overview'
import { useSession } from './session/SessionProvider'

// Every screen but the overview is its own chunk: the first load carries the
// shell and the overview, where most visits land (so its first render never
// suspends, and React never holds it back behind a fallback), not the rest
// (GraphiQL is a separate page altogether).
const LoginScreen = lazy(() => import('./screens/auth/LoginScreen'))
const SignupScreen = lazy(() => import('./screens/auth/SignupScreen'))
const MfaChallengeScreen = lazy(() => import('./screens/auth/MfaChallengeScreen'))
const AcceptInviteScreen = lazy(() => import('./screens/auth/AcceptInviteScreen'))
const ForgotPasswordScreen = lazy(() => import('./screens/auth/ForgotPasswordScreen'))
const ResetPasswordScreen = lazy(() => import('./screens/auth/ResetPasswordScreen'))
const VerifyEmailScreen = lazy(() => import('./screens/auth/VerifyEmailScreen'))
const AutomationScreen = lazy(() => import('./screens/automation'))
const ActionsScreen = lazy(() => import('./screens/actions'))
const IncidentsScreen = lazy(() => import('./screens/incidents'))
const CampaignsScreen = lazy(() => import('./screens/campaigns'))
const PlatformsScreen = lazy(() => import('./screens/platforms'))
const SourcesScreen = lazy(() => import('./screens/sources'))
const ProfilesScreen = lazy(() => import('./screens/profiles'))
const ProfileDetail = lazy(() => import('./screens/profiles/ProfileDetail'))
const TraitsScreen = lazy(() => import('./screens/traits'))
const FunnelsScreen = lazy(() => import('./screens/funnels'))
const RfmScreen = lazy(() => import('./screens/rfm'))
const EmqScreen = lazy(() => import('./screens/emq'))
const PrivacyScreen = lazy(() => import('./screens/privacy'))
const SegmentsScreen = lazy(() => import('./screens/segments'))
const SegmentEditor = lazy(() => import('./screens/segments/SegmentEditor'))
const ConversionsScreen = lazy(() => import('./screens/conversions'))
const AudiencesScreen = lazy(() => import('./screens/audiences'))
const SettingsScreen = lazy(() => import('./screens/settings'))
const DevMailScreen = lazy(() => import('./screens/settings/DevMailScreen'))

/** Where a signed-out visitor was going, so log-in can return there. */
export interface FromState {
  from?: string
}

const MFA_SETTINGS_PATH = '/settings/security'

/** The dashboard's routes. */
export function App() {
  return (
    <Suspense fallback={<Loading />}>
      <Routes>
        <Route element={<SignedOutOnly />}>
          <Route path="/login" element={<LoginScreen />} />
          <Route path="/signup" element={<SignupScreen />} />
          <Route path="/mfa" element={<MfaChallengeScreen />} />
          <Route path="/forgot-password" element={<ForgotPasswordScreen />} />
        </Route>
        {/* E-mailed links open signed in or out. */}
        <Route path="/invite" element={<AcceptInviteScreen />} />
        <Route path="/reset-password" element={<ResetPasswordScreen />} />
        <Route path="/verify-email" element={<VerifyEmailScreen />} />
        <Route element={<RequireSession />}>
          <Route element={<AppLayout />}>
            <Route index element={<OverviewScreen />} />
            <Route path="automation" element={<AutomationScreen />} />
            <Route path="actions" element={<ActionsScreen />} />
            <Route path="incidents" element={<IncidentsScreen />} />
            <Route path="campaigns" element={<CampaignsScreen />} />
            <Route path="platforms" element={<PlatformsScreen />} />
            <Route path="sources" element={<SourcesScreen />} />
            <Route path="profiles" element={<ProfilesScreen />} />
            <Route path="profiles/:id" element={<ProfileDetail />} />
            <Route path="traits" element={<TraitsScreen />} />
            <Route path="funnels" element={<FunnelsScreen />} />
            <Route path="rfm" element={<RfmScreen />} />
            <Route path="conversions/emq" element={<EmqScreen />} />
            <Route path="privacy" element={<PrivacyScreen />} />
            <Route path="segments" element={<SegmentsScreen />} />
            <Route path="segments/:id" element={<SegmentEditor />} />
            <Route path="audiences" element={<AudiencesScreen />} />
            <Route path="conversions" element={<ConversionsScreen />} />
            <Route path="settings/*" element={<SettingsScreen />} />
            <Route path="dev/mail" element={<DevMailScreen />} />
            <Route path="*" element={<NotFound />} />
          </Route>
        </Route>
      </Routes>
    </Suspense>
  )
}

/** Signed-in visitors skip the log-in screens (and arrive where they were going). */
function SignedOutOnly() {
  const { viewer } = useSession()
  const location = useLocation()
  if (viewer) return <Navigate to={(location.state as FromState | null)?.from ?? '/'} replace />
  return <Outlet />
}

/**
 * Signed-out visitors go to log-in (remembering where they were going); in
 * a tenant that requires MFA, a user without it may only enrol.
 */
function RequireSession() {
  const { viewer } = useSession()
  const location = useLocation()
  if (!viewer) {
    const from = location.pathname + location.search
    return <Navigate to="/login" state={{ from } satisfies FromState} replace />
  }
  if (viewer.mfaEnrollmentRequired && location.pathname !== MFA_SETTINGS_PATH) {
    return <Navigate to={MFA_SETTINGS_PATH} replace />
  }
  return <Outlet />
}

/** An address the dashboard does not know: says so, and offers the way back. */
function NotFound() {
  const location = useLocation()
  return (
    <>
      <PageHeader title="Page not found" description={`There is nothing at ${location.pathname}.`} />
      <p className="text-sm">
        It may have moved, or the link may be mistyped. <TextLink to="/">Back to the overview</TextLink>
      </p>
    </>
  )
}
