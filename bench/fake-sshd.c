/* A stand-in for sshd in podpass's benchmarks (bench/overhead.sh,
 * bench/scaling.sh): it answers "sshd -T ... -C SPEC" with a fixed dump of
 * effective settings and exits 0, so that a timed podpass run measures
 * podpass's own work and not sshd's.
 *
 * podpass runs sshd chrooted into --root DIR, where there is no C library:
 * build it static (bench/run.sh does: cc -static -O2). Not part of the
 * installed build.
 *
 * The dump is what OpenSSH 9.2p1 (Debian 12) prints for its stock
 * sshd_config with podpass's managed block on top (permitrootlogin yes;
 * the rest as stock): lowercase keywords, one per line, as podpass's
 * readers expect (passwordauthentication, permitrootlogin,
 * authenticationmethods, pubkeyauthentication, pidfile, listenaddress,
 * port, authorizedkeysfile, ...). It does not read the configuration:
 * "-t" (test only) exits 0, anything else but -T exits 1. */
#include <string.h>
#include <unistd.h>

/* The key algorithms sshd -T lists, the same for host keys, host-based and
 * public-key authentication. */
#define KEY_ALGORITHMS \
	"ssh-ed25519-cert-v01@openssh.com,ecdsa-sha2-nistp256-cert-v01@openssh.com," \
	"ecdsa-sha2-nistp384-cert-v01@openssh.com,ecdsa-sha2-nistp521-cert-v01@openssh.com," \
	"sk-ssh-ed25519-cert-v01@openssh.com,sk-ecdsa-sha2-nistp256-cert-v01@openssh.com," \
	"rsa-sha2-512-cert-v01@openssh.com,rsa-sha2-256-cert-v01@openssh.com," \
	"ssh-ed25519,ecdsa-sha2-nistp256,ecdsa-sha2-nistp384,ecdsa-sha2-nistp521," \
	"sk-ssh-ed25519@openssh.com,sk-ecdsa-sha2-nistp256@openssh.com,rsa-sha2-512," \
	"rsa-sha2-256"

static const char dump[] =
	"port 22\n"
	"addressfamily any\n"
	"listenaddress [::]:22\n"
	"listenaddress 0.0.0.0:22\n"
	"usepam yes\n"
	"logingracetime 120\n"
	"x11displayoffset 10\n"
	"maxauthtries 6\n"
	"maxsessions 10\n"
	"clientaliveinterval 0\n"
	"clientalivecountmax 3\n"
	"requiredrsasize 1024\n"
	"streamlocalbindmask 0177\n"
	"unusedconnectiontimeout none\n"
	"permitrootlogin yes\n"
	"ignorerhosts yes\n"
	"ignoreuserknownhosts no\n"
	"hostbasedauthentication no\n"
	"hostbasedusesnamefrompacketonly no\n"
	"pubkeyauthentication yes\n"
	"kerberosauthentication no\n"
	"kerberosorlocalpasswd yes\n"
	"kerberosticketcleanup yes\n"
	"gssapiauthentication no\n"
	"gssapicleanupcredentials yes\n"
	"gssapikeyexchange no\n"
	"gssapistrictacceptorcheck yes\n"
	"gssapistorecredentialsonrekey no\n"
	"gssapikexalgorithms gss-group14-sha256-,gss-group16-sha512-,"
	    "gss-nistp256-sha256-,gss-curve25519-sha256-,gss-group14-sha1-,"
	    "gss-gex-sha1-\n"
	"passwordauthentication yes\n"
	"kbdinteractiveauthentication no\n"
	"printmotd no\n"
	"printlastlog yes\n"
	"x11forwarding yes\n"
	"x11uselocalhost yes\n"
	"permittty yes\n"
	"permituserrc yes\n"
	"strictmodes yes\n"
	"tcpkeepalive yes\n"
	"permitemptypasswords no\n"
	"compression yes\n"
	"gatewayports no\n"
	"usedns no\n"
	"allowtcpforwarding yes\n"
	"allowagentforwarding yes\n"
	"disableforwarding no\n"
	"allowstreamlocalforwarding yes\n"
	"streamlocalbindunlink no\n"
	"fingerprinthash SHA256\n"
	"exposeauthinfo no\n"
	"pidfile /run/sshd.pid\n"
	"modulifile /etc/ssh/moduli\n"
	"xauthlocation /usr/bin/xauth\n"
	"ciphers chacha20-poly1305@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr,"
	    "aes128-gcm@openssh.com,aes256-gcm@openssh.com\n"
	"macs umac-64-etm@openssh.com,umac-128-etm@openssh.com,"
	    "hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com,"
	    "hmac-sha1-etm@openssh.com,umac-64@openssh.com,umac-128@openssh.com,"
	    "hmac-sha2-256,hmac-sha2-512,hmac-sha1\n"
	"banner none\n"
	"forcecommand none\n"
	"chrootdirectory none\n"
	"trustedusercakeys none\n"
	"revokedkeys none\n"
	"securitykeyprovider internal\n"
	"authorizedprincipalsfile none\n"
	"versionaddendum none\n"
	"authorizedkeyscommand none\n"
	"authorizedkeyscommanduser none\n"
	"authorizedprincipalscommand none\n"
	"authorizedprincipalscommanduser none\n"
	"hostkeyagent none\n"
	"kexalgorithms sntrup761x25519-sha512,sntrup761x25519-sha512@openssh.com,"
	    "curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,"
	    "ecdh-sha2-nistp384,ecdh-sha2-nistp521,diffie-hellman-group-exchange-sha256,"
	    "diffie-hellman-group16-sha512,diffie-hellman-group18-sha512,"
	    "diffie-hellman-group14-sha256\n"
	"casignaturealgorithms ssh-ed25519,ecdsa-sha2-nistp256,ecdsa-sha2-nistp384,"
	    "ecdsa-sha2-nistp521,sk-ssh-ed25519@openssh.com,"
	    "sk-ecdsa-sha2-nistp256@openssh.com,rsa-sha2-512,rsa-sha2-256\n"
	"hostbasedacceptedalgorithms " KEY_ALGORITHMS "\n"
	"hostkeyalgorithms " KEY_ALGORITHMS "\n"
	"pubkeyacceptedalgorithms " KEY_ALGORITHMS "\n"
	"loglevel INFO\n"
	"syslogfacility AUTH\n"
	"authorizedkeysfile .ssh/authorized_keys .ssh/authorized_keys2\n"
	"hostkey /etc/ssh/ssh_host_rsa_key\n"
	"hostkey /etc/ssh/ssh_host_ecdsa_key\n"
	"hostkey /etc/ssh/ssh_host_ed25519_key\n"
	"acceptenv LANG\n"
	"acceptenv LC_*\n"
	"authenticationmethods any\n"
	"subsystem sftp /usr/lib/openssh/sftp-server\n"
	"maxstartups 10:30:100\n"
	"persourcemaxstartups none\n"
	"persourcenetblocksize 32:128\n"
	"permittunnel no\n"
	"ipqos lowdelay throughput\n"
	"rekeylimit 0 0\n"
	"permitopen any\n"
	"permitlisten any\n"
	"permituserenvironment no\n"
	"pubkeyauthoptions none\n"
	;

/* Write all of buf to fd; 0 or -1. */
static int write_all(int fd, const char *buf, size_t len)
{
	ssize_t w;

	while (len > 0) {
		w = write(fd, buf, len);
		if (w <= 0)
			return -1;
		buf += w;
		len -= (size_t)w;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const char usage[] = "fake-sshd: only -T (print the fixed dump) "
	    "and -t (exit 0) are known\n";
	int i, dump_asked = 0, test_asked = 0;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-T") == 0)
			dump_asked = 1;
		else if (strcmp(argv[i], "-t") == 0)
			test_asked = 1;
	}
	if (dump_asked)
		return write_all(1, dump, sizeof(dump) - 1) == 0 ? 0 : 1;
	if (test_asked)
		return 0;
	(void)write_all(2, usage, sizeof(usage) - 1);
	return 1;
}
